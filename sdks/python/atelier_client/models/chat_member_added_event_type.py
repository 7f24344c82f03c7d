from enum import StrEnum


class ChatMemberAddedEventType(StrEnum):
    CHAT_MEMBER_ADDED = "chat.member.added"

    def __str__(self) -> str:
        return str(self.value)
