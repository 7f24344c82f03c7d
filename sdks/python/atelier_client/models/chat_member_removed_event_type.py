from enum import StrEnum


class ChatMemberRemovedEventType(StrEnum):
    CHAT_MEMBER_REMOVED = "chat.member.removed"

    def __str__(self) -> str:
        return str(self.value)
