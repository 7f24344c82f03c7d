from enum import StrEnum


class CanvasDocumentCreatedDataDocumentRootsItemKind(StrEnum):
    ARRAY = "array"
    MAP = "map"
    TEXT = "text"
    XML_FRAGMENT = "xml_fragment"

    def __str__(self) -> str:
        return str(self.value)
