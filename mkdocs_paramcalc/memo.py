"""Results already computed, kept for the next page that asks: every memo of the package, in one place.

A memo maps a key (made of values, never of `id()`: an address is reused once its object is
freed) to a result that the key alone decides, so a memo changes how fast a result comes, never
what it is. Each memo is bounded: when full it is emptied, since a site repeats the same few
layers and lines, and emptying is cheaper than tracking which entry was used last. Every memo
registers here, so `clear_all()` empties them all (the tests do it before each test).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()  # not a value: None may be one

# Every memo made, by name: what `clear_all` empties.
_MEMOS: dict[str, Memo[Hashable, object]] = {}


class Memo(Generic[K, V]):
    """Values by key, at most `limit` of them; emptied when full."""

    def __init__(self, name: str, limit: int) -> None:
        if name in _MEMOS:  # two memos under one name: a benchmark could switch off the wrong one
            raise ValueError(f"a memo named {name!r} exists already")
        self.name = name
        self.limit = limit
        self._values: dict[K, V] = {}
        _MEMOS[name] = self  # type: ignore[assignment]  # the registry only clears and counts

    def get(self, key: K) -> V | None:
        """The value kept for `key`, or None."""
        return self._values.get(key)

    def set(self, key: K, value: V) -> V:
        """Keep `value` for `key` (emptying the memo first if it is full); returns `value`."""
        if len(self._values) >= self.limit:
            self._values.clear()
        if self.limit > 0:
            self._values[key] = value
        return value

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The value kept for `key`, or `compute()`'s, kept for the next call."""
        known = self._values.get(key, _MISSING)
        # compute() is called outside any `except`, so its own errors carry no KeyError context
        return self.set(key, compute()) if known is _MISSING else known  # type: ignore[return-value]

    def clear(self) -> None:
        self._values.clear()

    def keep_only(self, keys: Iterable[K]) -> None:
        """Forget every value but those of `keys`: what a rebuild did not ask for again is gone."""
        wanted = set(keys)
        self._values = {key: value for key, value in self._values.items() if key in wanted}

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __repr__(self) -> str:
        return f"Memo({self.name!r}, {len(self)}/{self.limit})"


def memos() -> dict[str, Memo[Hashable, object]]:
    """Every memo, by name (a copy): to measure or switch one off (limit 0) in a benchmark."""
    return dict(_MEMOS)


def clear_all() -> None:
    """Empty every memo: a test starts from nothing kept, as a fresh build does."""
    for memo in _MEMOS.values():
        memo.clear()
