from enum import StrEnum


class ChatReactionRemovedEventType(StrEnum):
    CHAT_REACTION_REMOVED = "chat.reaction.removed"

    def __str__(self) -> str:
        return str(self.value)
