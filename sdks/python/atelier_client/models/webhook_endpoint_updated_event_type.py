from enum import StrEnum


class WebhookEndpointUpdatedEventType(StrEnum):
    WEBHOOK_ENDPOINT_UPDATED = "webhook.endpoint.updated"

    def __str__(self) -> str:
        return str(self.value)
