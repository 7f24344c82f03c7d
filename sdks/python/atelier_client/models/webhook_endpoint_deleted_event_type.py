from enum import StrEnum


class WebhookEndpointDeletedEventType(StrEnum):
    WEBHOOK_ENDPOINT_DELETED = "webhook.endpoint.deleted"

    def __str__(self) -> str:
        return str(self.value)
