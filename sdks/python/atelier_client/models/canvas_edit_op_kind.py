from enum import StrEnum


class CanvasEditOpKind(StrEnum):
    ARRAY_DELETE = "array_delete"
    ARRAY_INSERT = "array_insert"
    ARRAY_PUSH = "array_push"
    MAP_DELETE = "map_delete"
    MAP_SET = "map_set"
    TEXT_DELETE = "text_delete"
    TEXT_INSERT = "text_insert"

    def __str__(self) -> str:
        return str(self.value)
