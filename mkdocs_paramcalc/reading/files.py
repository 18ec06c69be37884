"""Markdown files on disk: the command line's walk of a tree, and the one way a page's text is read.

A page is read as MkDocs reads it (UTF-8 with an optional byte-order mark, universal newlines), so
that the command line and the plugin see the same text. Whatever cannot be a page (a FIFO, a
socket, a device, a binary or non-UTF-8 file, a file over the size limit, a link that loops) is a
`FileProblem`: one located message, never a traceback, never a wait, never a file read whole first.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from mkdocs_paramcalc.errors import Message, Position

# The largest page read: ten times the largest real ones (changelogs such as Node.js's and Rust's,
# about 1 MB). Larger files are refused from their size, before being read.
MAX_PAGE_BYTES = 10_000_000
SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")  # what MkDocs builds as pages
_BOM = b"\xef\xbb\xbf"
# Opening never waits (a FIFO without a writer) nor makes a terminal ours; 0 where the OS has none.
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISFIFO, "it is a FIFO (a named pipe), not a file"),
    (stat.S_ISSOCK, "it is a socket, not a file"),
    (stat.S_ISCHR, "it is a character device, not a file"),
    (stat.S_ISBLK, "it is a block device, not a file"),
    (stat.S_ISDIR, "it is a folder, not a file"),
)
_SPECIAL_HINT = "paramcalc reads regular files only; move it out of the docs tree or rename it"


class FileProblem(Exception):  # noqa: N818 (an author's problem, not an error of the program)
    """A file that cannot be read as a page, and why: located, with a hint."""

    def __init__(self, path: str, reason: str, hint: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason
        self.hint = hint
        self.line = line
        self.column = column

    @property
    def message(self) -> Message:
        return Message(
            Position(self.path, self.line, self.column), f"cannot read it: {self.reason} (hint: {self.hint})"
        )

    def __str__(self) -> str:
        return str(self.message)


def read_page(path: Path | str) -> str:
    """A page's text as MkDocs reads it: no byte-order mark, and every CRLF or lone CR a LF."""
    name = str(path)
    try:
        _refuse_kind(name, os.stat(path))  # before opening: opening a device may do something
        fd = os.open(path, _OPEN_FLAGS)
        with os.fdopen(fd, "rb") as file:
            _refuse_kind(name, os.fstat(file.fileno()))  # still the file that was looked at
            data = file.read(MAX_PAGE_BYTES + 1)
    except OSError as exc:
        raise problem_of(name, exc) from None
    if len(data) > MAX_PAGE_BYTES:  # it grew after it was looked at
        raise too_large(name, len(data))
    return decode_page(name, data)


def read_stream(name: str, stream: BinaryIO) -> str:
    """A page's text from standard input or another stream, read no further than the limit."""
    data = stream.read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        raise too_large(name, None)
    return decode_page(name, data)


def decode_page(name: str, data: bytes) -> str:
    """The text of a page's bytes (a file's, or standard input's), as `read_page` returns it."""
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        hint = "paramcalc reads Markdown text; give it the Markdown files, or a folder without binaries"
        raise FileProblem(name, "it is a binary file (a NUL byte)", hint, line, column)
    skip = len(_BOM) if data.startswith(_BOM) else 0  # dropped, as "utf-8-sig" drops it
    try:
        text = str(memoryview(data)[skip:], "utf-8")  # no copy of the bytes
    except UnicodeDecodeError as exc:
        line, column = _position(data, skip + exc.start)
        reason = f"it is not UTF-8 text (byte 0x{data[skip + exc.start]:02x})"
        raise FileProblem(name, reason, "save the file as UTF-8, as MkDocs requires", line, column) from None
    if "\r" in text:  # universal newlines, as Python's text files and so MkDocs read them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def problem_of(name: str, exc: OSError) -> FileProblem:
    """What an operating system's refusal means to an author."""
    if exc.errno == errno.ELOOP:
        return FileProblem(name, "a symbolic link that leads back to itself", "point the link at a real file")
    if exc.errno == errno.ENOENT and os.path.islink(name):
        return FileProblem(name, "a symbolic link to nothing", "point the link at a real file")
    if exc.errno == errno.ENOENT:
        return FileProblem(name, "no such file", "check the path")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FileProblem(name, "permission denied", "let the user running paramcalc read it")
    if exc.errno == errno.ENXIO:  # what opening a socket says
        return FileProblem(name, "it is a socket, not a file", _SPECIAL_HINT)
    reason = (exc.strerror or exc.__class__.__name__).lower()
    return FileProblem(name, reason, "check that it is a readable Markdown file")


def markdown_files(paths: Sequence[Path]) -> tuple[list[Path], list[FileProblem]]:
    """The files given and the Markdown files under the folders given, sorted, each real file once;
    and a problem for each that cannot be a page. Links are followed, but never twice to one place."""
    walk = _Walk()
    for path in paths:
        walk.visit(path, named=True)
    walk.follow_links()
    return walk.files, walk.problems


class _Walk:
    """A walk of folders that follows links after everything else, so that a file reached both
    directly and through a link is found under its own path, and a link to a folder above ends."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.problems: list[FileProblem] = []
        self._seen: set[tuple[int, int]] = set()  # (device, inode) of every folder and file taken
        self._links: list[Path] = []

    def visit(self, path: Path, named: bool = False) -> None:
        try:
            info = os.stat(path)
        except OSError as exc:  # a loop is reported whatever its name: it may hide a folder of pages
            if named or path.suffix in SUFFIXES or exc.errno == errno.ELOOP:
                self.problems.append(problem_of(str(path), exc))
            return
        if stat.S_ISDIR(info.st_mode):
            self._folder(path, info)
        elif named or path.suffix in SUFFIXES:
            self._file(path, info)

    def follow_links(self) -> None:
        while self._links:
            links, self._links = self._links, []
            for link in links:
                self.visit(link)
        self.files.sort()

    def _file(self, path: Path, info: os.stat_result) -> None:
        try:
            _refuse_kind(str(path), info)
        except FileProblem as problem:
            self.problems.append(problem)
            return
        if self._first(info):
            self.files.append(path)

    def _folder(self, path: Path, info: os.stat_result) -> None:
        if not self._first(info):
            return
        try:
            with os.scandir(path) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            self.problems.append(problem_of(str(path), exc))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # .git, .venv, .cache: MkDocs leaves dot-folders and dot-files out of a site too
            if entry.is_symlink():
                self._links.append(Path(entry.path))
            else:
                self.visit(Path(entry.path))

    def _first(self, info: os.stat_result) -> bool:
        key = (info.st_dev, info.st_ino)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def _refuse_kind(name: str, info: os.stat_result) -> None:
    for test, reason in _KINDS:
        if test(info.st_mode):
            hint = "give paramcalc the folder itself" if "folder" in reason else _SPECIAL_HINT
            raise FileProblem(name, reason, hint)
    if info.st_size > MAX_PAGE_BYTES:
        raise too_large(name, info.st_size)


def too_large(name: str, size: int | None) -> FileProblem:
    """A file's size, or a stream's (None: only that it is too large, as it is not read further)."""
    over = f"it is {size:,} bytes, longer" if size is not None else "it is longer"
    reason = f"{over} than paramcalc's limit of {MAX_PAGE_BYTES:,} bytes for a page"
    return FileProblem(name, reason, "split the page; real pages are far smaller (docs/security.md)")


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (from 1, in characters) of a byte, lines ended as universal newlines end them."""
    before = data[:offset]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    if start == 0 and before.startswith(_BOM):
        start = len(_BOM)
    return line, len(before[start:].decode("utf-8", "replace")) + 1
