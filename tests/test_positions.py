"""Positions and messages: values formatted in one place, sorted as a reader goes through a site."""

from __future__ import annotations

from mkdocs_paramcalc.errors import BlockError, Location, Message, Position


def test_a_position_reads_path_line_column() -> None:
    assert str(Position("docs/a.md", 12, 3)) == "docs/a.md:12:3"
    assert Position("docs/a.md", 12).at_line() == "docs/a.md:12"


def test_a_message_is_its_position_and_its_text() -> None:
    error = BlockError("unknown Keras layer `Dens`", Location(2, 1), "did you mean `Dense`?")
    message = error.at(Position("docs/a.md", 5, 1))
    assert str(message) == "docs/a.md:5:1: unknown Keras layer `Dens` (hint: did you mean `Dense`?)"


def test_messages_sort_by_file_then_line_then_column_whatever_the_path_holds() -> None:
    # A Windows path holds a colon: text split on ':' sorted C:\docs\b.md:10 before :9.
    messages = [
        Message(Position(r"C:\docs\b.md", 10, 2), "x"),
        Message(Position(r"C:\docs\b.md", 9, 30), "y"),
        Message(Position(r"C:\docs\a.md", 100, 1), "z"),
        Message(Position(r"C:\docs\b.md", 10, 1), "w"),
    ]
    assert [str(m.position) for m in sorted(messages)] == [
        r"C:\docs\a.md:100:1",
        r"C:\docs\b.md:9:30",
        r"C:\docs\b.md:10:1",
        r"C:\docs\b.md:10:2",
    ]
