"""One exception family for everything a block can get wrong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple


class Location(NamedTuple):
    """Where a message points: a line and column inside the block.

    Line 0 is the fence's opening line (its options); line 1 is the first line
    of the block's body. Columns count from 1. (A named tuple: every argument of every
    layer has one, and a tuple is made in half the time of a frozen dataclass.)
    """

    line: int = 0
    column: int = 1


class Position(NamedTuple):
    """Where a message points in a file: its path, and its line and column from 1. Positions sort
    as a reader goes through a site: by file, then line, then column."""

    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def at_line(self) -> str:
        """`path:line`, as a message names a block."""
        return f"{self.path}:{self.line}"


class Message(NamedTuple):
    """One error as a person reads it: `path:line:column: what is wrong (hint: ...)`. Messages sort
    by their positions."""

    position: Position
    text: str

    def __str__(self) -> str:
        return f"{self.position}: {self.text}"


class BlockError(Exception):
    """A problem with a block that the author can fix: never a traceback."""

    def __init__(self, message: str, where: Location | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where or Location()
        self.hint = hint

    def located(self, where: Location) -> BlockError:
        """The same error, pointing at `where` unless it already points somewhere."""
        if self.where != Location():
            return self
        return BlockError(self.message, where, self.hint)

    def at(self, position: Position) -> Message:
        """This error as a message pointing at `position` in a file."""
        return Message(position, self.text())

    def text(self) -> str:
        """The message and its hint, without the location."""
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message

    def __str__(self) -> str:
        return f"{self.where.line}:{self.where.column}: {self.text()}"


class BlockErrors(BlockError):  # noqa: N818 (the plural of BlockError)
    """Several independent errors of one block, in the order they stand in it. It reads as its
    first error, so code that shows one error still shows something true."""

    def __init__(self, errors: Sequence[BlockError]) -> None:
        first = errors[0]
        super().__init__(first.message, first.where, first.hint)
        self.errors = tuple(e for error in errors for e in each(error))


def each(error: BlockError) -> tuple[BlockError, ...]:
    """Every error an exception holds: one, or a group's."""
    return error.errors if isinstance(error, BlockErrors) else (error,)


MAX_ERRORS = 20  # errors reported for one block; then one line says how many more there are


class _NotShownError(BlockError):
    """The line that counts the errors not shown, so that gathering again counts them still."""

    def __init__(self, count: int, where: Location) -> None:
        super().__init__(
            f"… and {count:,} more error{'s' if count > 1 else ''} in this block",
            where,
            f"only the first {MAX_ERRORS} are shown: fix them, and the others are shown",
        )
        self.count = count


def gathered(errors: Iterable[BlockError]) -> BlockError:
    """One exception for a block's independent errors: each once, in the order they stand in the
    block, at most MAX_ERRORS of them and then one that counts the rest."""
    unique: dict[tuple[Location, str], BlockError] = {}
    hidden = 0  # errors an earlier gathering left out, counted in its last line
    for error in errors:
        for one in each(error):
            if isinstance(one, _NotShownError):
                hidden += one.count
            else:
                unique.setdefault((one.where, one.message), one)
    ordered = sorted(unique.values(), key=lambda error: error.where)
    if len(ordered) == 1 and not hidden:
        return ordered[0]
    rest = len(ordered) - MAX_ERRORS
    if rest > 0 or hidden:
        shown = ordered[:MAX_ERRORS]
        where = ordered[MAX_ERRORS].where if rest > 0 else shown[-1].where
        ordered = [*shown, _NotShownError(max(rest, 0) + hidden, where)]
    return BlockErrors(ordered)
