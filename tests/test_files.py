"""Files on disk: the one reader of a page's text, and `paramcalc check` / `summary` on real trees
holding FIFOs, sockets, devices, binaries, other encodings, unreadable files, links that loop or
point above, and files over the size limit."""

from __future__ import annotations

import errno
import io
import os
import shutil
import socket
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.structure.files import File

from mkdocs_paramcalc.frontends.cli import main
from mkdocs_paramcalc.reading import files
from mkdocs_paramcalc.reading.files import MAX_PAGE_BYTES, FileProblem, markdown_files, read_page
from tests.helpers import ROOT, paramcalc, paramcalc_process

GOOD = "# Good\n\n```cnn\nInput(8)\nDense(4)\n```\n"
WRONG = "# Wrong\n\n```cnn\nInput(8)\nDense(4, expect=99)\n```\n"  # a real error, still reported


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "docs" / "sub" / "wrong.md").write_text(WRONG, encoding="utf-8")
    return Path("docs")


@given(st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", " ", "\ufeff", "`"]), max_size=30))
def test_a_page_reads_as_mkdocs_reads_it(parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "page.md")
        path.write_bytes(b"\xef\xbb\xbf" * (len(parts) % 2) + "".join(parts).encode())
        expected = File("page.md", folder, folder, use_directory_urls=True).content_string
        text = read_page(path)
    assert text == expected
    assert "\r" not in text


def test_a_byte_order_mark_and_carriage_returns_are_gone(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_bytes(b"\xef\xbb\xbf```cnn\r\nInput(8)\rDense(4)\r\n```\n")
    assert read_page(path) == "```cnn\nInput(8)\nDense(4)\n```\n"


@pytest.mark.parametrize(
    ("data", "where", "reason"),
    [
        (b"ok\nab\xffc\n", (2, 3), "not UTF-8 text (byte 0xff)"),
        (b"\xef\xbb\xbfx\xe9", (1, 2), "not UTF-8 text (byte 0xe9)"),  # the mark is not a column
        (b"one\rtwo\r\n\xc3\xa9\x80", (3, 2), "not UTF-8 text (byte 0x80)"),  # é counts once
        (b"\x89PNG\r\n\x1a\n\x00\x00", (3, 1), "a binary file (a NUL byte)"),
    ],
)
def test_text_that_is_not_a_page_is_located(
    tmp_path: Path, data: bytes, where: tuple[int, int], reason: str
) -> None:
    path = tmp_path / "page.md"
    path.write_bytes(data)
    with pytest.raises(FileProblem) as caught:
        read_page(path)
    assert (caught.value.line, caught.value.column) == where
    assert str(caught.value).startswith(
        f"{path}:{where[0]}:{where[1]}: cannot read it: it is {reason} (hint: "
    )


def test_a_file_over_the_limit_is_refused_before_it_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as file:
        file.truncate(MAX_PAGE_BYTES + 1)  # sparse: takes no disk, and no time to write

    def never(*args: object) -> int:
        raise AssertionError("opened")

    monkeypatch.setattr(files.os, "open", never)
    with pytest.raises(FileProblem, match=f"it is {MAX_PAGE_BYTES + 1:,} bytes, longer than"):
        read_page(path)


def test_reading_takes_a_small_multiple_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"Dense(4)\r\n" * (MAX_PAGE_BYTES // 20))
    tracemalloc.start()
    try:
        text = read_page(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(text) == MAX_PAGE_BYTES // 20 * 9
    assert peak < 4 * path.stat().st_size


def test_standard_input_is_read_as_a_file_is_and_no_further(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfInput(8)\r\nDense(4)\r\n")))
    code, out, _ = paramcalc(capsys, "summary", "--format", "json", "-")
    assert code == 0
    assert '"params": 36' in out
    monkeypatch.setattr(files, "MAX_PAGE_BYTES", 10)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Input(8)\nDense(4)\n")))
    code, _, err = paramcalc(capsys, "summary", "-")
    assert code == 1
    assert err.startswith("<stdin>:1:1: cannot read it: it is longer than paramcalc's limit of 10 bytes")


def special_files(docs: Path) -> Iterator[str]:
    """Every kind of file that cannot be a page, made in `docs`; yields each one's expected reason."""
    os.mkfifo(docs / "pipe.md")
    yield "pipe.md:1:1: cannot read it: it is a FIFO (a named pipe), not a file"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(docs / "socket.md"))
    server.close()
    yield "socket.md:1:1: cannot read it: it is a socket, not a file"
    (docs / "null.md").symlink_to(os.devnull)
    yield "null.md:1:1: cannot read it: it is a character device, not a file"
    (docs / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    yield "image.md:3:1: cannot read it: it is a binary file (a NUL byte)"
    (docs / "latin1.md").write_bytes("# Café\n".encode("latin-1"))
    yield "latin1.md:1:6: cannot read it: it is not UTF-8 text (byte 0xe9)"
    (docs / "loop.md").symlink_to("loop.md")
    yield "loop.md:1:1: cannot read it: a symbolic link that leads back to itself"
    (docs / "gone.md").symlink_to("nowhere.md")
    yield "gone.md:1:1: cannot read it: a symbolic link to nothing"
    with (docs / "huge.md").open("wb") as file:
        file.truncate(MAX_PAGE_BYTES + 1)
    yield f"huge.md:1:1: cannot read it: it is {MAX_PAGE_BYTES + 1:,} bytes, longer than"


def test_check_reports_each_special_file_once_and_checks_the_rest(docs: Path) -> None:
    expected = sorted(f"docs/{line}" for line in special_files(docs))
    (docs / "sub" / "up").symlink_to("..")  # a link to a folder above: the walk must end
    (docs / "sub" / "again.md").symlink_to("../good.md")  # one real file, checked once
    # A process of its own, with a time limit: a FIFO opened without care waits for ever.
    result = paramcalc_process("check", "docs")
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected) + 1, result.stdout
    for line, start in zip(sorted(lines), sorted([*expected, "docs/sub/wrong.md:5:"]), strict=True):
        assert line.startswith(start), (line, start)
        assert "(hint: " in line or "wrong.md" in line
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "2 blocks in 10 files: 9 errors" in result.stderr


def test_summary_of_an_unreadable_file_is_an_error_in_the_tree(docs: Path) -> None:
    os.mkfifo(docs / "pipe.md")
    result = paramcalc_process("summary", "docs/pipe.md", "docs/good.md")
    assert result.returncode == 1
    fifo = "it is a FIFO (a named pipe), not a file"
    assert result.stderr.startswith(f"docs/pipe.md:1:1: cannot read it: {fifo} (hint: ")
    assert "Total params: 36" in result.stdout
    # a path that does not exist is bad usage, as for check
    assert paramcalc_process("summary", "docs/missing.md").returncode == 2


def test_the_walk_is_sorted_and_finds_each_real_file_once_under_its_own_path(docs: Path) -> None:
    (docs / "a-link").symlink_to("sub")  # sorts before sub/, yet sub/wrong.md keeps its own path
    (docs / "sub" / "loop").symlink_to("../sub")
    (docs / "sub" / "notes.txt").write_text("not a page")
    (docs / "z.markdown").write_text(GOOD)
    found, problems = markdown_files([docs, docs / "good.md", docs / "sub" / "notes.txt"])
    assert found == [
        docs / "good.md",
        docs / "sub" / "notes.txt",
        docs / "sub" / "wrong.md",
        docs / "z.markdown",
    ]
    assert problems == []


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python 3.12+
def test_an_unreadable_file_and_folder_are_each_one_problem(docs: Path) -> None:
    """Root may read a file of mode 000, so as root the reading is done by a child that is not."""
    (docs / "secret.md").write_text(GOOD)
    (docs / "secret.md").chmod(0)
    (docs / "locked").mkdir()
    (docs / "locked").chmod(0)
    if os.geteuid() != 0:
        assert _read_tree(docs) == _unreadable(docs)
        return
    with tempfile.TemporaryDirectory() as folder:  # pytest's own folder is root's alone
        os.chmod(folder, 0o755)
        tree = Path(shutil.move(docs, Path(folder, "docs")))
        assert _read_tree_as_nobody(tree) == _unreadable(tree)


def _unreadable(docs: Path) -> list[str]:
    hint = "(hint: let the user running paramcalc read it)"
    return [
        f"{docs}/locked:1:1: cannot read it: permission denied {hint}",
        f"{docs}/good.md: read {len(GOOD)}",  # the others still read
        f"{docs}/secret.md:1:1: cannot read it: permission denied {hint}",
        f"{docs}/sub/wrong.md: read {len(WRONG)}",
    ]


def _read_tree(docs: Path) -> list[str]:
    """What the command line does with a tree, up to the reading of each file."""
    found, problems = markdown_files([docs])
    said = [str(problem) for problem in problems]
    for path in found:
        try:
            said.append(f"{path}: read {len(read_page(path))}")
        except FileProblem as problem:
            said.append(str(problem))
    return said


def _read_tree_as_nobody(docs: Path) -> list[str]:
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no longer root; it imports nothing (the standard library is root's)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(writable, "\n".join(_read_tree(docs)).encode())
        finally:
            os._exit(0)
    os.close(writable)
    with os.fdopen(readable) as pipe:
        said = pipe.read().splitlines()
    os.waitpid(pid, 0)
    return said


def test_an_unreadable_folder_and_a_refusal_of_any_kind_are_errors(
    docs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open, real_scandir = files.os.open, files.os.scandir

    def refusing_open(path: str | os.PathLike[str], flags: int) -> int:
        if str(path).endswith("good.md"):
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real_open(path, flags)

    def refusing_scandir(path: str | os.PathLike[str]) -> object:
        if str(path).endswith("sub"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(files.os, "open", refusing_open)
    monkeypatch.setattr(files.os, "scandir", refusing_scandir)
    code, out, err = paramcalc(capsys, "check", "docs")
    assert code == 1
    assert out.splitlines() == [
        "docs/good.md:1:1: cannot read it: input/output error"
        " (hint: check that it is a readable Markdown file)",
        "docs/sub:1:1: cannot read it: permission denied (hint: let the user running paramcalc read it)",
    ]
    assert "Traceback" not in err


@pytest.mark.parametrize("page", ["security.md", "cli.md"])
def test_the_docs_state_the_size_limit(page: str) -> None:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert f"{MAX_PAGE_BYTES:,} bytes" in text


def test_dot_folders_are_left_out_as_mkdocs_leaves_them(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "bad.md").write_text("```cnn\nInput(3)\nDens(2)\n```\n")
    (tmp_path / "good.md").write_text("```cnn\nInput(3)\nDense(2)\n```\n")
    found, problems = markdown_files([tmp_path])
    assert found == [tmp_path / "good.md"]
    assert problems == []


def test_the_build_refuses_a_page_over_the_limit_as_check_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from mkdocs_paramcalc.frontends import plugin

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setattr(plugin, "MAX_PAGE_BYTES", 100)
    monkeypatch.setattr(files, "MAX_PAGE_BYTES", 100)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "big.md").write_text("# Big\n\n" + "```cnn\nInput(3)\nDens(2)\n```\n" * 10)
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - paramcalc\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "docs"]) == 1
    checked = [line for line in capsys.readouterr().out.splitlines() if line]
    config = load_config("mkdocs.yml", site_dir=str(tmp_path / "site"))
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("mkdocs.plugins.paramcalc").addHandler(handler)
    try:
        build(config)
    finally:
        logging.getLogger("mkdocs.plugins.paramcalc").removeHandler(handler)
    assert [message.removeprefix("paramcalc: ") for message in seen] == checked
    assert len(checked) == 1
    assert "docs/big.md:1:1: cannot read it: it is 287 bytes, longer than" in checked[0]
