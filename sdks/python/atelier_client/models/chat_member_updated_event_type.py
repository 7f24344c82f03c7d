from enum import StrEnum


class ChatMemberUpdatedEventType(StrEnum):
    CHAT_MEMBER_UPDATED = "chat.member.updated"

    def __str__(self) -> str:
        return str(self.value)
