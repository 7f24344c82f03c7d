from enum import StrEnum


class WebhookEndpointUpdatedDataChangedItem(StrEnum):
    DESCRIPTION = "description"
    ENABLED = "enabled"
    EVENT_TYPES = "event_types"
    HEADERS = "headers"
    RATE_LIMIT_PER_SECOND = "rate_limit_per_second"
    SECRET = "secret"
    URL = "url"

    def __str__(self) -> str:
        return str(self.value)
