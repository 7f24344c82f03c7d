from enum import StrEnum


class ChatChannelUpdatedEventType(StrEnum):
    CHAT_CHANNEL_UPDATED = "chat.channel.updated"

    def __str__(self) -> str:
        return str(self.value)
