from enum import StrEnum


class ChatReactionAddedEventType(StrEnum):
    CHAT_REACTION_ADDED = "chat.reaction.added"

    def __str__(self) -> str:
        return str(self.value)
