"""The Sphinx extension (`extensions = ["mkdocs_paramcalc.sphinx"]`): a `cnn` directive and role,
from reStructuredText and from MyST Markdown.

A block takes its options as a MkDocs fence writes them, on the directive's line (```` ```{cnn}
id="mnist" expect="1,199,882" ````, `.. cnn:: id="mnist"`), or as directive options
(`:expect: 1,199,882`); with myst-parser, a plain ```` ```cnn id="mnist" ```` fence is the
directive too, so a page moves between MkDocs and Sphinx unchanged. References are the `cnn` role
(`` {cnn}`mnist.total` ``, ``:cnn:`mnist.total` ``) or a `#!cnn mnist.total` code span, across
documents.

Blocks are built while Sphinx reads each document (frontends/pages.py, as every front end builds
them), their errors Sphinx warnings at `docname:line` (so `-W` fails the build); each block's
text is kept in the environment, merged from parallel readers, and the references are resolved
once every document is read. HTML gets the MkDocs HTML (MathML, the stylesheet); LaTeX a booktabs
table and display math; other builders the text table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from mkdocs_paramcalc.errors import BlockError, Position
from mkdocs_paramcalc.frontends.pages import Outcome, PageRun, register, run_fence
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.files import FileProblem, read_page
from mkdocs_paramcalc.reading.options import FENCE_OPTIONS, ConfigError, Settings
from mkdocs_paramcalc.reading.page import SHEBANG, Fence, Page, option_text, read
from mkdocs_paramcalc.report.references import Quoted, Registry, resolve

log = logging.getLogger(__name__)
_ENV = "paramcalc_blocks"  # the environment's record: docname → the blocks' texts, in order
_QUOTING = "paramcalc_quoting"  # docname → whether it quotes a block (a role or a #!cnn code span)
_SEEN = "paramcalc_seen"  # the blocks' texts the documents were last written with
# Each block built, by its text and the settings (memo.py: cleared with the others).
_BLOCKS: Memo[tuple[Kept, Settings], Outcome] = Memo("sphinx: blocks", 4096)
# Each environment's blocks as built for writing, by the texts they were built from.
_BUILT: dict[int, tuple[Any, dict[str, list[Outcome]], Registry]] = {}


@dataclass(frozen=True)
class Kept:
    """A block as the environment keeps it: plain text, so that parallel readers can merge it."""

    path: str  # the source file, as messages name it
    line: int  # the directive's line
    info: str  # the options, as a fence's line writes them
    body: tuple[str, ...]
    body_line: int  # the line of the body's first line
    info_column: int = 5  # the column of the options' `cnn` (the directive's argument, less "cnn ")
    indent: int = 0  # the columns the body is indented in the file, that the directive strips
    # Each directive option (`:expect: 1,199,882`), written into `info` as key="value": where it
    # starts there, its key's length, and its line, key's column and value's column in the file.
    options: tuple[tuple[int, int, int, int, int], ...] = ()

    def fence(self) -> Fence:
        # The body's lines follow the opener in a fence: the opener stands just before them.
        return Fence(
            self.body_line - 2, self.info, self.info_column, self.body, self.body_line - 1 + len(self.body)
        )

    def place(self, outcome: Outcome) -> Outcome:
        """The outcome at the file's lines: the options' errors on the directive's line, the
        body's at the body's columns, the block at the directive's line."""
        failures = []
        for error, position in outcome.failures:
            if position.line < self.body_line:  # the options: on the directive's line, or their own
                position = self._option(position)
            else:
                position = Position(position.path, position.line, position.column + self.indent)
            failures.append((error, position))
        return replace(outcome, fence=replace(outcome.fence, opener=self.line - 1), failures=tuple(failures))

    def _option(self, position: Position) -> Position:
        """An error on the options, at the file's line and column: a directive option's own."""
        offset = position.column - self.info_column
        for start, key, line, key_column, value_column in reversed(self.options):
            if offset >= start:
                value_start = start + key + 2  # after key="
                if offset < value_start:
                    return Position(position.path, line, key_column + offset - start)
                return Position(position.path, line, value_column + offset - value_start)
        return Position(position.path, self.line, position.column)


def _option_lines(
    path: str, line: int, written: list[tuple[int, str]]
) -> tuple[tuple[int, int, int, int, int], ...]:
    """Where each directive option stands in the file: `:key: value` on a line after the
    directive's (none found: the directive's line)."""
    lines = _source_lines(path)
    found = []
    for start, key in written:
        at = (line, 1, 1)
        for index in range(line, min(len(lines), line + 100)):  # the lines after the directive's
            column = lines[index].find(f":{key}:")
            if column >= 0:
                value = len(lines[index]) - len(lines[index][column + len(key) + 2 :].lstrip())
                at = (index + 1, column + 2, value + 1)
                break
        found.append((start, len(key), *at))
    return tuple(found)


class block_node(nodes.General, nodes.Element):  # noqa: N801 (docutils' style of node names)
    """Where a block goes; replaced when the document is resolved."""


class reference_node(nodes.Inline, nodes.TextElement):  # noqa: N801
    """Where a reference goes; replaced when the document is resolved."""


class _AnyOption(dict[str, Any]):
    """Every directive option taken as text, so that the fence's reader names a wrong one and
    suggests the one meant (`:titel:` → did you mean `title`?), as on the fence's line; docutils
    would refuse it before, and the block's id with it."""

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged

    def __contains__(self, key: object) -> bool:
        return True


class CnnDirective(SphinxDirective):
    """```{cnn} id="mnist" expect="1,199,882"``` or `.. cnn::` with options and the layers."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = _AnyOption(dict.fromkeys(FENCE_OPTIONS, directives.unchanged))

    def run(self) -> list[nodes.Node]:
        info = "cnn " + (self.arguments[0] if self.arguments else "")
        path, line = self.get_source_info()
        line = int(line or 1)
        written: list[tuple[int, str]] = []  # each directive option: where it starts in `info`
        for key, value in self.options.items():
            value = " ".join(part.strip() for part in (value or "").splitlines())  # rST continues a line
            written.append((len(info) + 1, key))
            info += " " + option_text(key, value)
        options = _option_lines(str(path), line, written)
        if not self.content:
            body_line = line + 1
        elif type(self.state_machine).__module__.startswith("myst_parser"):
            body_line = line + 1 + self.content_offset  # MyST's offset is from the fence's line
        else:  # docutils': from the start of the input, included files' lines among them
            _, found = self.state_machine.get_source_and_line(self.content_offset + 1)
            body_line = int(found or self.content_offset + 1)
        body_line = _checked(str(path), line, body_line, self.content)
        info_column, indent = _columns(str(path), line, body_line, self.arguments, self.content)
        kept = Kept(str(path), line, info, tuple(self.content), body_line, info_column, indent, options)
        blocks = self.env.domaindata.setdefault(_ENV, {}).setdefault(self.env.docname, [])
        blocks.append(kept)
        node = block_node()
        node["paramcalc"] = (self.env.docname, len(blocks) - 1)  # the LaTeX builder merges documents
        self.set_source_info(node)
        return [node]


def _checked(path: str, line: int, body_line: int, content: Any) -> int:
    """The body's first line, where the file holds it: the parsers' offsets differ between their
    versions (myst-parser 2 counts an included file's lines one further than 5 does)."""
    lines = _source_lines(path)
    if not content or not lines or not str(content[0]).strip():
        return body_line
    first = str(content[0]).strip()
    if 0 < body_line <= len(lines) and lines[body_line - 1].strip() == first:
        return body_line
    for index in range(
        max(line - 2, 0), min(len(lines), line + 50)
    ):  # from the line before the directive's (off by one in some versions)
        if lines[index].strip() == first:
            return index + 1
    return body_line


def _columns(path: str, line: int, body_line: int, arguments: list[str], content: Any) -> tuple[int, int]:
    """Where the options start on the directive's line (its argument, less the "cnn " the fence
    line is given), and how far the directive indents the body, from the source file's lines."""
    lines = _source_lines(path)
    info_column, indent = 5, 0
    if arguments and 0 < line <= len(lines):
        found = lines[line - 1].find(arguments[0].split("\n")[0])
        if found >= 0:
            info_column = found + 1 - len("cnn ")
    if content and 0 < body_line <= len(lines):
        first, raw = str(content[0]), lines[body_line - 1]
        if first.strip() and raw.strip() == first.strip():
            indent = max(0, (len(raw) - len(raw.lstrip())) - (len(first) - len(first.lstrip())))
    return info_column, indent


_LINES: dict[str, tuple[float, list[str]]] = {}


def _source_lines(path: str) -> list[str]:
    """A source file's lines, read once while it is unchanged, as every front end reads a page
    (reading/files.py); none if it cannot be read."""
    try:
        changed = Path(path).stat().st_mtime
        if path not in _LINES or _LINES[path][0] != changed:
            _LINES[path] = (changed, read_page(path).split("\n"))
    except (OSError, FileProblem):
        return []
    return _LINES[path][1]


class CnnRole(SphinxRole):
    """{cnn}`mnist.total`: the value a block computes, quoted in the text."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = reference_node(self.rawtext, self.text)
        node["paramcalc"] = self.text
        self.set_source_info(node)
        path, line = self.get_source_info()
        raw = self.rawtext
        myst = "{" + self.name + "}" + raw[len(self.name) + 2 :] if raw.startswith(f":{self.name}:") else raw
        node["paramcalc_at"] = _locate(self.env, str(path), int(line or 1), (raw, myst), self.text)
        return [node], []


def _locate(
    env: BuildEnvironment, path: str, line: int, forms: tuple[str, ...], inner: str
) -> tuple[str, int, int]:
    """Where a reference's text stands in its file: docutils gives a role or a code span only its
    paragraph's first line. Its written forms (MyST writes {cnn}`x` where docutils says :cnn:`x`)
    are looked for from there, the next occurrence each time."""
    lines = _source_lines(path)
    found: dict[tuple[str, int, tuple[str, ...]], int] = env.temp_data.setdefault("paramcalc_located", {})  # type: ignore[assignment]
    key = (path, line, forms)
    skip = found.get(key, 0)
    found[key] = skip + 1
    seen = 0
    for index in range(max(line - 1, 0), min(len(lines), line + 499)):
        hits = sorted((start, form) for form in set(forms) for start in _starts(lines[index], form))
        for start, form in hits:
            if seen == skip:
                return path, index + 1, start + 1 + max(form.find(inner), 0)
            seen += 1
    return path, line, 1


def _starts(line: str, form: str) -> list[int]:
    starts, start = [], line.find(form)
    while start >= 0:
        starts.append(start)
        start = line.find(form, start + 1)
    return starts


def _visit_title_reference(translator: Any, node: reference_node) -> None:
    """A reference that reaches a writer unresolved: a heading's copy, in a page's <title>, the
    related links or a toctree, made before the references were resolved. Its value as text."""
    app = translator.builder.app
    _, registry = _outcomes(app, translator.builder.env)
    try:
        text = _Renderer(app).plain(resolve(node["paramcalc"], registry))
    except BlockError:  # the heading itself says so, at its line
        text = f"#!cnn {node['paramcalc']}"
    node.children = [nodes.Text(text)]


def _depart_title_reference(translator: Any, node: reference_node) -> None:
    """Nothing after the text."""


def _settings(app: Sphinx) -> Settings:
    return Settings.from_config(dict(app.config.paramcalc or {}))


def _outcomes(app: Sphinx, env: BuildEnvironment) -> tuple[dict[str, list[Outcome]], Registry]:
    """Every document's blocks built, and the registry of ids; once a build (a parallel writer
    builds them again from the merged texts)."""
    cached = _BUILT.get(id(env))
    kept: dict[str, list[Kept]] = env.domaindata.get(_ENV, {})
    key = tuple((doc, tuple(blocks)) for doc, blocks in sorted(kept.items()))
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    settings = _settings(app)
    built = {doc: [_built(k, settings) for k in blocks] for doc, blocks in kept.items()}
    runs = [PageRun(o.path, "", 0, Page((), ()), (o,)) for doc in sorted(built) for o in built[doc]]
    registry, clashes = register(runs)
    for clash in clashes:
        _warn(clash.position, clash.text)
    _BUILT[id(env)] = (key, built, registry)
    return built, registry


def _built(kept: Kept, settings: Settings) -> Outcome:
    """A block built, at the file's lines: once, as the document is read (its warnings), and the
    same outcome again when the documents are written."""
    return _BLOCKS.get_or_compute(
        (kept, settings), lambda: kept.place(run_fence(kept.path, kept.fence(), settings))
    )


def _warn(position: Position, text: str) -> None:
    log.warning(text, location=f"{position.path}:{position.line}", type="paramcalc")


def _attribute_fences(env: BuildEnvironment, doctree: nodes.document) -> None:
    """Fences in pandoc's attribute form, ```{.cnn #mnist expect="1,199,882"}, which MkDocs and
    pandoc read as blocks: MyST keeps only their first word as a language, so each is read again
    from its file, at its line, by the one reader of fences."""
    pages: dict[str, dict[int, Fence]] = {}
    for node in list(doctree.findall(nodes.literal_block)):
        words = [node.get("language", ""), *node.get("classes", [])]  # Sphinx's MyST, docutils' MyST
        if not any(w == ".cnn" or (w.startswith("{") and ".cnn" in w) for w in words):
            continue
        path, line = str(node.source or ""), int(node.line or 0)
        if path not in pages:  # the file's fences by their line, read once for the document
            pages[path] = {f.opener + 1: f for f in read(_source_lines(path)).fences if not f.includes}
        fence = pages[path].get(line) or pages[path].get(line - 1)
        if fence is None:
            _warn(
                Position(path, line),
                "this {.cnn} fence is not found at its line in the file, so it is not built (hint: write "
                '```{cnn} id="..." with its options after it, the form MyST reads itself)',
            )
            continue
        kept = Kept(path, fence.opener + 1, fence.info, fence.body, fence.opener + 2, fence.info_column)
        blocks = env.domaindata.setdefault(_ENV, {}).setdefault(env.docname, [])
        blocks.append(kept)
        block = block_node()
        block["paramcalc"] = (env.docname, len(blocks) - 1)
        block.source, block.line = node.source, node.line
        node.replace_self(block)


def _read_blocks(app: Sphinx, doctree: nodes.document) -> None:
    """A document's blocks built as it is read: their errors are warnings at docname:line."""
    env = app.env
    _attribute_fences(env, doctree)
    blocks = env.domaindata.get(_ENV, {}).get(env.docname, [])
    settings = _settings(app)
    for kept in blocks:
        outcome = _built(kept, settings)
        for error, position in outcome.failures:
            _warn(position, f"{error.text()} (column {position.column})")
    # `#!cnn` code spans become references before Sphinx copies the headings (titles, tocs).
    for literal in list(doctree.findall(nodes.literal)):
        found = SHEBANG.match(literal.astext())
        if found and not isinstance(literal.parent, nodes.literal_block):
            node = reference_node(literal.rawsource, found.group("ref"))
            node["paramcalc"] = found.group("ref")
            holder = literal
            while holder.line is None and holder.parent is not None:  # an inline node has no line
                holder = holder.parent
            node.source, node.line = literal.source or holder.source, holder.line
            text = literal.astext()
            node["paramcalc_at"] = _locate(
                env, str(node.source or ""), int(node.line or 1), (text,), found.group("ref")
            )
            literal.replace_self(node)
    quoting = any(True for _ in doctree.findall(reference_node))
    env.domaindata.setdefault(_QUOTING, {})[env.docname] = quoting


def _updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """When a document's blocks changed, the unchanged documents that quote blocks are written
    again: their references would keep the old values, or a removed block's."""
    kept: dict[str, list[Kept]] = env.domaindata.get(_ENV, {})
    now = tuple((doc, tuple(blocks)) for doc, blocks in sorted(kept.items()) if blocks)
    before = env.domaindata.get(_SEEN, {}).get("texts")
    env.domaindata[_SEEN] = {"texts": now}
    if before is None or before == now:
        return []
    return sorted(doc for doc, quoting in env.domaindata.get(_QUOTING, {}).items() if quoting)


def _resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """The blocks and references of a document, in the builder's format."""
    built, registry = _outcomes(app, app.env)
    render = _Renderer(app)
    for node in list(doctree.findall(block_node)):
        home, index = node["paramcalc"]
        node.replace_self(render.block(built[home][index]))
    for node in list(doctree.findall(reference_node)):
        node.replace_self(render.reference(node["paramcalc"], registry, node))
    for literal in list(doctree.findall(nodes.literal)):
        found = SHEBANG.match(literal.astext())
        if found and not isinstance(literal.parent, nodes.literal_block):
            literal.replace_self(render.reference(found.group("ref"), registry, literal))


class _Renderer:
    """A block or a reference as the builder's nodes."""

    def __init__(self, app: Sphinx) -> None:
        self.settings = _settings(app)
        self.format = app.builder.format

    def block(self, outcome: Outcome) -> nodes.Node:
        claims = [(e, str(p)) for e, p in outcome.failures]
        if self.format == "html":
            from mkdocs_paramcalc.writers.html import HtmlRenderer

            html = HtmlRenderer(self.settings)
            if outcome.report is None:
                text = "".join(html.error(e, located=str(p)) for e, p in outcome.failures)
            else:
                text = html.report(outcome.report, claims)
            return nodes.raw("", text, format="html")
        if outcome.report is None:
            return nodes.literal_block("", "\n".join(outcome.errors))
        if self.format == "latex":
            from mkdocs_paramcalc.writers.latex import derivations, latex

            parts = []
            if "table" in outcome.report.options.show:
                title = outcome.report.options.title or "Parameters by layer"
                parts.append(latex(outcome.report, title, floating=False))  # before its derivations
            if "derivations" in outcome.report.options.show:
                parts.append(derivations(outcome.report))
            return nodes.raw("", "\n\n".join(parts), format="latex")
        from mkdocs_paramcalc.writers.text import text as text_table

        return nodes.literal_block("", text_table(outcome.report, outcome.report.options.title or ""))

    def reference(self, text: str, registry: Registry, node: nodes.Node) -> nodes.Node:
        try:
            value = resolve(text, registry)
        except BlockError as error:
            at = node.get("paramcalc_at") if isinstance(node, nodes.Element) else None
            if at is None:
                log.warning(error.text(), location=node, type="paramcalc")
            else:
                path, line, column = at
                column += error.where.column - 1
                _warn(Position(path, line, column), f"{error.text()} (column {column})")
            return nodes.problematic("", f"#!cnn {text}")
        if self.format == "html":
            from mkdocs_paramcalc.writers.html import HtmlRenderer

            return nodes.raw("", HtmlRenderer(self.settings).reference(value), format="html")
        if self.format == "latex":
            from mkdocs_paramcalc.writers.latex import _LATEX, _in_math, number

            if value.kind == "count":
                return nodes.raw("", number(value.number), format="latex")
            if value.kind == "formula" and value.formula is not None:
                tex = value.formula.render(_LATEX, numbers=True)
                return nodes.raw("", f"${tex} = {_in_math(value.number)}$", format="latex")
        return nodes.Text(self.plain(value))

    def plain(self, value: Quoted) -> str:
        """A quoted value as text, for builders without markup of their own."""
        from mkdocs_paramcalc.report.memory import size_text
        from mkdocs_paramcalc.report.table import PLAIN
        from mkdocs_paramcalc.writers.html import count, text_formula

        if value.kind == "count":
            return count(value.number, self.settings.separator)
        if value.kind == "shape":
            return PLAIN.shape(value.shape)
        if value.kind == "bytes":
            return size_text(value.number)
        if value.kind == "formula" and value.formula is not None:
            worked = text_formula(value.formula, numbers=True)
            return f"{worked} = {count(value.number, self.settings.separator)}"
        return value.text


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """A parallel reader's blocks, into the main environment."""
    for record in (_ENV, _QUOTING):
        theirs = other.domaindata.get(record, {})
        mine = env.domaindata.setdefault(record, {})
        for docname in docnames:
            if docname in theirs:
                mine[docname] = theirs[docname]


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for record in (_ENV, _QUOTING):
        env.domaindata.get(record, {}).pop(docname, None)


def _config(app: Sphinx, config: Any) -> None:
    """The site's options checked once; with myst-parser, ```cnn fences read as the directive."""
    try:
        _settings(app)
    except ConfigError as exc:
        from sphinx.errors import ConfigError as SphinxConfigError

        raise SphinxConfigError(f"{exc} (in conf.py's paramcalc = {{...}})") from None
    fenced = getattr(config, "myst_fence_as_directive", None)
    if fenced is not None and "cnn" not in fenced:
        config.myst_fence_as_directive = [*fenced, "cnn"]


def _stylesheet(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    from mkdocs_paramcalc.frontends.markdown import stylesheet

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "paramcalc.css").write_text(stylesheet(), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("paramcalc", {}, "env", [dict])
    app.add_node(block_node)
    visitors = (_visit_title_reference, _depart_title_reference)
    app.add_node(reference_node, html=visitors, latex=visitors, text=visitors, man=visitors, texinfo=visitors)
    app.add_directive("cnn", CnnDirective)
    app.add_role("cnn", CnnRole())
    app.add_css_file("paramcalc.css")
    app.connect("config-inited", _config, priority=400)  # before myst-parser reads its config
    app.connect("builder-inited", _stylesheet)
    app.connect("doctree-read", _read_blocks, priority=400)  # before Sphinx copies the titles
    app.connect("doctree-resolved", _resolve)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-updated", _updated)
    app.connect("env-purge-doc", _purge)
    from mkdocs_paramcalc import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
