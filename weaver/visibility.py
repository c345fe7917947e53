"""Visibility of processes and jobs."""
from enum import Enum
from typing import Literal, Union


class Visibility(str, Enum):
    PUBLIC = "public"
    PRIVATE = "private"

    def __str__(self) -> str:
        return self.value


AnyVisibility = Union[Visibility, Literal["public", "private"]]
