"""The `paramcalc` command: `summary` prints blocks' tables, `check` lints every block in a tree.

Exit status: 0 when everything holds, 1 when a block has an error or a claim fails,
2 on bad usage (an unknown option, a missing file). Never a traceback.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from mkdocs_paramcalc.errors import BlockError, Message, Position
from mkdocs_paramcalc.frontends.config_file import ConfigFileError, located, plugin_options
from mkdocs_paramcalc.frontends.pages import (
    PageRun,
    errors,
    register,
    resolve_references,
    run_fence,
    run_page,
)
from mkdocs_paramcalc.reading.files import SUFFIXES, FileProblem, markdown_files, read_page, read_stream
from mkdocs_paramcalc.reading.options import FRAMEWORKS, ConfigError, Settings, parse_show
from mkdocs_paramcalc.reading.page import Fence, Page
from mkdocs_paramcalc.writers import summary

USAGE_ERROR = 2


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

    show = commands.add_parser(
        "summary",
        parents=[common],
        help="print each block's table",
        description="Print each block's table, as model.summary() does. Reads Markdown files "
        "(every cnn block in them), .cnn files (one block each: the lines inside a fence), "
        "or standard input ('-').",
    )
    show.add_argument("files", nargs="*", metavar="FILE", help="Markdown or .cnn files; '-' for stdin")
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
        "Markdown files under the given folders. Prints PATH:LINE:COLUMN: message for each "
        "error; exits 1 if there is any, 0 if all hold.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="Markdown files or folders; '-' for stdin")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `paramcalc summary ... | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
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
    try:
        settings = _settings(args.config_file, args.framework)
    except ConfigFileError as exc:  # each line names the file, and where in it
        print(exc, file=sys.stderr)
        return USAGE_ERROR
    if args.command == "check":
        return _check(args.paths, settings)
    return _summary(args.files or ["-"], settings, args.format, args.block_id, args.show)


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


def _page(name: str, text: str, settings: Settings) -> PageRun:
    """A Markdown text read and its blocks built; a .cnn file or stdin without fences is one block."""
    run = run_page(name, text, settings)
    if run.outcomes or name.endswith(SUFFIXES) or not text.strip():
        return run
    lines = text.split("\n")
    fence = Fence(-1, "cnn", 1, tuple(lines), len(lines) - 1)
    return PageRun(name, text, 0, Page((fence,), ()), (run_fence(name, fence, settings),))


def _summary(
    files: list[str], settings: Settings, fmt: str, block_id: str | None, show: tuple[str, ...] | None
) -> int:
    status = 0
    blocks: list[dict[str, Any]] = []
    printed: list[str] = []
    found_any = False
    for name in files:
        try:
            path, text = _read(name)
        except FileProblem as problem:
            print(problem, file=sys.stderr)
            status = max(status, 1 if name == "-" or os.path.lexists(name) else USAGE_ERROR)
            continue
        for outcome in _page(path, text, settings).outcomes:
            if block_id is not None and outcome.block_id != block_id:
                continue
            found_any = True
            for error in outcome.errors:
                print(error, file=sys.stderr)
                status = max(status, 1)
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
    if not found_any and status == 0:
        what = f"no block with id {block_id!r}" if block_id else "no cnn block"
        print(f"paramcalc: {what} in {', '.join(files)}", file=sys.stderr)
        return 1
    return status


def _check(paths: list[str], settings: Settings) -> int:
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
            runs.append(_page(*_read(str(file)), settings))
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
    return 1 if messages else 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mkdocs-paramcalc")
    except PackageNotFoundError:  # pragma: no cover (running from a source tree)
        return "unknown"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
