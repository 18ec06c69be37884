"""The `paramcalc` command: `summary` prints blocks' tables, `check` lints every block in a tree.

A Markdown file holds blocks; a `.py` file is model code, read (never run) as one block whose
body is the whole file, and a `.cnn` file is the lines of one block. Such a file has no fence,
so `--input` and `--model` say what a fence's `input=` and `model=` would.

Exit status: 0 when everything holds, 1 when a block has an error or a claim fails,
2 on bad usage (an unknown option, a missing file, a flag that cannot be used). Never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mkdocs_paramcalc.errors import BlockError, Message, Position
from mkdocs_paramcalc.frontends.config_file import ConfigFileError, located, plugin_options
from mkdocs_paramcalc.frontends.pages import (
    Outcome,
    PageRun,
    errors,
    register,
    resolve_references,
    run_fence,
    run_page,
)
from mkdocs_paramcalc.reading.files import SUFFIXES, FileProblem, markdown_files, read_page, read_stream
from mkdocs_paramcalc.reading.options import FRAMEWORKS, ConfigError, Settings, parse_show
from mkdocs_paramcalc.reading.page import Fence, Page, option_text
from mkdocs_paramcalc.writers import summary

USAGE_ERROR = 2
CODE_SUFFIXES = (".py",)  # model code: the whole file is one block, read and never run


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own: prints usage, exits 2
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="paramcalc",
        description="Parameter counts of the neural networks described in ```cnn blocks.",
        epilog="Run 'paramcalc COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"paramcalc {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument(
        "--config-file",
        metavar="FILE",
        type=Path,
        help="mkdocs.yml whose paramcalc options to use (default: ./mkdocs.yml, if there is one)",
    )
    common.add_argument("--framework", choices=FRAMEWORKS, help="the default dialect (overrides the config)")
    common.add_argument(
        "--input",
        metavar="SHAPE",
        help='the input shape without the batch, as a fence\'s input= says it: 1x28x28 or "(1, 28, 28)" '
        "(for .py and .cnn files and a block on standard input, which have no fence)",
    )
    common.add_argument(
        "--model",
        metavar="NAME",
        help="the model to read when the code defines several, as a fence's model= says it "
        "(for .py and .cnn files and a block on standard input)",
    )

    show = commands.add_parser(
        "summary",
        parents=[common],
        help="print each block's table",
        description="Print each block's table, as model.summary() does. Reads Markdown files "
        "(every cnn block in them), .py files (model code, read and never run: one model each), "
        ".cnn files (one block each: the lines inside a fence), or standard input ('-').",
    )
    show.add_argument("files", nargs="*", metavar="FILE", help="Markdown, .py or .cnn files; '-' for stdin")
    show.add_argument("--format", choices=summary.FORMATS, default="text", help="output format")
    show.add_argument("--id", dest="block_id", metavar="ID", help="only the block with this id")
    show.add_argument(
        "--show",
        type=_parts,
        metavar="PARTS",
        help='the columns to print, as a fence\'s show= says them (e.g. "table macs memory"); '
        "overrides the blocks' and the site's show",
    )

    check = commands.add_parser(
        "check",
        parents=[common],
        help="check every block and claim, without building the site",
        description="Check every cnn block and claim in the given Markdown files and in the "
        "Markdown files under the given folders, and the model code of the .py files given. "
        "Prints PATH:LINE:COLUMN: message for each error; exits 1 if there is any, 0 if all hold.",
    )
    check.add_argument(
        "paths", nargs="+", metavar="PATH", help="Markdown, .py or .cnn files, or folders; '-' for stdin"
    )
    commands.add_parser(
        "stylesheet",
        help="print the stylesheet of paramcalc's tables and derivations",
        description="Print paramcalc's stylesheet (CSS), for pages that pandoc or another tool "
        "writes: pandoc --css paramcalc.css. The MkDocs plugin and the Sphinx extension add it themselves.",
    )
    return parser


_FULL = {getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO") if hasattr(errno, name)}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `paramcalc summary ... | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno not in _FULL:
            raise
        # `paramcalc stylesheet > paramcalc.css` on a full disk: said, not a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"paramcalc: cannot write the output: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or bad usage that argparse has explained
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    if args.command is None:
        parser.print_help()
        return USAGE_ERROR
    if args.command == "stylesheet":
        from mkdocs_paramcalc.frontends.markdown import stylesheet

        sys.stdout.write(stylesheet())
        return 0
    try:
        settings = _settings(args.config_file, args.framework)
    except ConfigFileError as exc:  # each line names the file, and where in it
        print(exc, file=sys.stderr)
        return USAGE_ERROR
    flags = _Flags.of(input=args.input, model=args.model)
    if args.command == "check":
        return _check(args.paths, settings, flags)
    return _summary(args.files or ["-"], settings, flags, args.format, args.block_id, args.show)


def _parts(text: str) -> tuple[str, ...]:
    """`--show`'s parts, checked as a fence's `show=` is; argparse says what is wrong."""
    try:
        return parse_show(text)
    except BlockError as exc:
        raise argparse.ArgumentTypeError(exc.text()) from None


def _settings(config_file: Path | None, framework: str | None) -> Settings:
    """The paramcalc options of a site's mkdocs.yml, if there is one, and the command's own;
    raises ConfigFileError naming the file, the line and the option that is wrong."""
    path = config_file or Path("mkdocs.yml")
    if not path.is_file():
        if config_file is not None:
            raise ConfigFileError(f"paramcalc: {config_file}: no such file")
        return Settings(framework=framework) if framework else Settings()
    try:
        settings = Settings.from_config(plugin_options(path), switches=("enabled",))
    except ConfigError as exc:
        raise located(str(path), exc) from None
    return replace(settings, framework=framework) if framework else settings


def _read(name: str) -> tuple[str, str]:
    """A file's text as the plugin reads a page, or standard input's; raises FileProblem."""
    if name == "-":
        binary = getattr(sys.stdin, "buffer", None)  # None: a text stream put in stdin's place
        return "<stdin>", read_stream("<stdin>", binary or io.BytesIO(sys.stdin.read().encode()))
    return name, read_page(name)


@dataclass(frozen=True)
class _Flags:
    """The fence options the command line gives a file that is one block and so has no fence."""

    options: tuple[tuple[str, str], ...] = ()  # (option, value), as the fence would say them

    @classmethod
    def of(cls, **given: str | None) -> _Flags:
        return cls(tuple((key, value) for key, value in given.items() if value is not None))

    def fence(self, lines: list[str]) -> tuple[Fence, dict[str, range]]:
        """A fence around `lines` (line 1 the first) with these options on its line, and the
        columns each option takes there: an error that points into them is the flag's."""
        info, spans = "cnn", {}
        for key, value in self.options:
            option = " " + option_text(key, value)
            spans[key] = range(len(info) + 2, len(info) + len(option) + 1)  # columns, from 1
            info += option
        return Fence(-1, info, 1, tuple(lines), len(lines) - 1), spans


class _FlagPosition(Position):
    """Where an error in a command-line flag is: the file it was given for, no line of it."""

    __slots__ = ()

    def __str__(self) -> str:
        return self.path

    def at_line(self) -> str:
        return self.path


def _page(name: str, text: str, settings: Settings, flags: _Flags) -> PageRun:
    """A Markdown text read and its blocks built; a .py or .cnn file, or stdin without fences, is
    one block, whose options are the flags'."""
    if name.endswith(CODE_SUFFIXES):  # never read as Markdown: a docstring may hold a fence
        return _one_block(name, text, settings, flags)
    run = run_page(name, text, settings)
    if run.outcomes or name.endswith(SUFFIXES) or not text.strip():
        return run
    return _one_block(name, text, settings, flags)


def _one_block(name: str, text: str, settings: Settings, flags: _Flags) -> PageRun:
    """A whole file as one block, its lines the file's: its errors say the file's own lines."""
    lines = text.split("\n")
    fence, spans = flags.fence(lines)
    outcome = run_fence(name, fence, settings)
    code = name.endswith(CODE_SUFFIXES)
    failures = tuple(_on_command_line(error, at, spans, code, text) for error, at in outcome.failures)
    return PageRun(name, text, 0, Page((fence,), ()), (replace(outcome, failures=failures),))


_OPTION = re.compile(r'\b(input|model)="([^"]*)"')
_NO_INPUT = "the block does not say its input shape"
_EMPTY = "the block is empty"
_TWICE = "the input shape is given twice"


def _on_command_line(
    error: BlockError, at: Position, spans: dict[str, range], code: bool, text: str
) -> tuple[BlockError, Position]:
    """A block's error as the command line says it: an error in a flag's value names the flag,
    one about the fence's line points at the file's start, and hints say flags, not options."""
    message, hint = error.message, _OPTION.sub(lambda m: _flag(m.group(1), m.group(2)), error.hint)
    hint = hint.replace(" to the fence", "").replace("input= /", "--input /")
    if code and message.startswith(_NO_INPUT):
        message = "the code does not say its input shape" + message.removeprefix(_NO_INPUT)
        shape = "1x28x28" if re.search(r"\b(torch|nn)\b", text) else "28x28x1"
        hint = f"pass the shape of one example, without the batch: {_flag('input', shape)}"
    elif code and message.startswith(_EMPTY):
        message, hint = "the file defines no model", "paste one, such as model = nn.Sequential(...)"
    if at.line == 0:
        flag = next((key for key, columns in spans.items() if at.column in columns), None)
        if flag is None:
            at = Position(at.path, 1, 1)
        else:
            at, message = _FlagPosition(at.path, 0, at.column), f"--{flag}: {message}"
            if flag == "input" and message.endswith(_TWICE):
                hint = "the file says it already: leave out --input"
    return BlockError(message, error.where, hint), at


def _flag(key: str, value: str) -> str:
    return f"--{key} {value}" if value and " " not in value else f'--{key} "{value}"'


def _flag_error(outcome: Outcome) -> bool:
    """Whether an error of the block is in a command-line flag (bad usage, not a bad block)."""
    return any(isinstance(at, _FlagPosition) for _, at in outcome.failures)


def _unused(flags: _Flags, runs: Sequence[PageRun]) -> str | None:
    """What to say when flags were given and no file read took them (Markdown blocks have fences)."""
    if not flags.options or any(run.page.fences and run.page.fences[0].opener < 0 for run in runs):
        return None
    given = " and ".join(f"--{key}" for key, _ in flags.options)
    return (
        f"paramcalc: {given} applies to .py and .cnn files and to a block on standard input; "
        "a Markdown block says it on its fence (input=, model=)"
    )


def _summary(
    files: list[str],
    settings: Settings,
    flags: _Flags,
    fmt: str,
    block_id: str | None,
    show: tuple[str, ...] | None,
) -> int:
    status = 0
    blocks: list[dict[str, Any]] = []
    printed: list[str] = []
    runs: list[PageRun] = []
    found_any = False
    for name in files:
        try:
            path, text = _read(name)
        except FileProblem as problem:
            print(problem, file=sys.stderr)
            status = max(status, 1 if name == "-" or os.path.lexists(name) else USAGE_ERROR)
            continue
        runs.append(run := _page(path, text, settings, flags))
        for outcome in run.outcomes:
            if block_id is not None and outcome.block_id != block_id:
                continue
            found_any = True
            for error in outcome.errors:
                print(error, file=sys.stderr)
                status = max(status, USAGE_ERROR if _flag_error(outcome) else 1)
            report = outcome.report
            if report is None:
                continue
            if show is not None:  # the command's --show wins over the fence's and the site's
                report = replace(report, options=replace(report.options, show=show))
            line = max(outcome.line, 1)
            if fmt == "json":
                try:
                    blocks.append(summary.as_json(report, path, line))
                except Exception as exc:  # as above
                    print(
                        Message(Position(path, line), f"internal error: {exc!r}; please report it"),
                        file=sys.stderr,
                    )
                    status = max(status, 1)
                continue
            options = report.options
            where = Position(path, line).at_line() if outcome.line > 0 else path
            heading = options.title or options.id or where
            heading = "Model" if heading == "<stdin>" else heading
            if options.title and options.id:
                heading = f"{options.title} ({options.id})"
            elif outcome.line == 0 and options.model is not None:  # the model --model chose
                heading = options.model.value + ("" if heading == "Model" else f" ({heading})")
            render = summary.TABLES[fmt]
            try:
                printed.append(render(report, heading))
            except Exception as exc:  # a bug of ours is still a message, never a traceback
                print(
                    Message(Position(path, line), f"internal error: {exc!r}; please report it"),
                    file=sys.stderr,
                )
                status = max(status, 1)
    if fmt == "json":
        print(summary.dump_json(blocks))
    elif printed:
        print("\n\n".join(printed))
    unused = _unused(flags, runs) if runs else None
    if unused:
        print(unused, file=sys.stderr)
        return USAGE_ERROR
    if not found_any and status == 0:
        what = f"no block with id {block_id!r}" if block_id else "no cnn block"
        print(f"paramcalc: {what} in {', '.join(files)}", file=sys.stderr)
        return 1
    return status


def _check(paths: list[str], settings: Settings, flags: _Flags) -> int:
    missing = [p for p in paths if p != "-" and not Path(p).exists() and not Path(p).is_symlink()]
    for p in missing:
        print(f"paramcalc: {p}: no such file or folder", file=sys.stderr)
    if missing:
        return USAGE_ERROR
    found, problems = markdown_files([Path(p) for p in paths if p != "-"])
    files = [Path("-")] * ("-" in paths) + found
    messages = [problem.message for problem in problems]
    runs: list[PageRun] = []
    for file in files:
        try:
            runs.append(_page(*_read(str(file)), settings, flags))
        except FileProblem as problem:  # one error, and every other file still checked
            messages.append(problem.message)
    registry, clashes = register(runs)
    messages += clashes
    for run in runs:
        messages += errors(run, resolve_references(run, registry))
    for message in sorted(messages):
        print(message)
    blocks = sum(len(run.outcomes) for run in runs)
    noun = "block" if blocks == 1 else "blocks"
    count = len(files) + len(problems)
    files_noun = "file" if count == 1 else "files"
    verdict = f"{len(messages)} error{'s' if len(messages) != 1 else ''}" if messages else "all hold"
    print(f"paramcalc: {blocks} {noun} in {count} {files_noun}: {verdict}", file=sys.stderr)
    unused = _unused(flags, runs) if runs else None
    if unused:
        print(unused, file=sys.stderr)
        return USAGE_ERROR
    if any(_flag_error(outcome) for run in runs for outcome in run.outcomes):
        return USAGE_ERROR
    return 1 if messages else 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mkdocs-paramcalc")
    except PackageNotFoundError:  # pragma: no cover (running from a source tree)
        return "unknown"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
