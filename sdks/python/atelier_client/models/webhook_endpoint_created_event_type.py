from enum import StrEnum


class WebhookEndpointCreatedEventType(StrEnum):
    WEBHOOK_ENDPOINT_CREATED = "webhook.endpoint.created"

    def __str__(self) -> str:
        return str(self.value)
