from enum import StrEnum


class ChatThreadReadUpdatedEventType(StrEnum):
    CHAT_THREAD_READ_UPDATED = "chat.thread.read_updated"

    def __str__(self) -> str:
        return str(self.value)
