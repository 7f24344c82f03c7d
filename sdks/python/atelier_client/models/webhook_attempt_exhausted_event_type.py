from enum import StrEnum


class WebhookAttemptExhaustedEventType(StrEnum):
    WEBHOOK_ATTEMPT_EXHAUSTED = "webhook.attempt.exhausted"

    def __str__(self) -> str:
        return str(self.value)
