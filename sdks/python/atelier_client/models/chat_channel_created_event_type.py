from enum import StrEnum


class ChatChannelCreatedEventType(StrEnum):
    CHAT_CHANNEL_CREATED = "chat.channel.created"

    def __str__(self) -> str:
        return str(self.value)
