"""A mapping that keeps only its most recently written keys."""

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")
REMEMBERED_SESSIONS = 10_000


class Recent(OrderedDict[K, V]):
    """Per-session floors remembered for the sessions that are active, not for every session
    a long-running replica has ever seen: past `limit` keys the least recently written goes."""

    def __init__(self, limit: int = REMEMBERED_SESSIONS) -> None:
        super().__init__()
        self._limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self._limit:
            self.popitem(last=False)
