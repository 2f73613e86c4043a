"""A small bounded, thread-safe memo for values kept across requests under a change counter.

What is kept is only ever trusted together with the counters read before it
(``db.repositories.change_counters``); this only bounds the memory and keeps the most recently
used entries. ``functools.lru_cache`` cannot be told what a miss should store (a lookup
made where the counters cannot name what it saw must not be stored), nor be keyed by part of
its arguments.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["Kept"]

K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    """At most ``size`` entries; the least recently used goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The entry for ``key``, if kept (and it becomes the most recently used)."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop everything (tests)."""
        with self._lock:
            self._entries.clear()
