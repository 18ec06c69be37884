"""The paramcalc options in a site's mkdocs.yml, and where each is written there.

The plugin and `paramcalc check --config-file` both report a bad option as
`mkdocs.yml:LINE:COLUMN: paramcalc: what is wrong (hint: ...)`: the options are checked by
Settings.from_config, and this module only finds them in the file and points at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml_env_tag import construct_env_tag

from mkdocs_paramcalc.errors import Position
from mkdocs_paramcalc.reading.options import ConfigError

PLUGIN = "paramcalc"


class ConfigFileError(ValueError):
    """Mistakes in a config file's paramcalc options, each line located in the file."""


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml as MkDocs does where it matters here: `!ENV` gives the environment's value
    (or its default); other tags (!!python/name, !relative) are ignored, never run."""


_Loader.add_constructor("!ENV", construct_env_tag)
_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def plugin_options(path: Path) -> object:
    """The paramcalc options of the config file at `path` ({} if it lists no paramcalc plugin),
    as written: Settings.from_config checks them. Raises ConfigFileError if it cannot be read."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader)  # noqa: S506 (safe)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigFileError(f"paramcalc: {path}: cannot read it ({reason})") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(_yaml_error(path, exc)) from None
    if isinstance(data, dict) and "INHERIT" in data:
        data = _inherited(path)
    plugins = data.get("plugins") if isinstance(data, dict) else None
    for name, options in _entries(plugins):
        if name == PLUGIN:
            return {} if options is None else options
    return {}


def _inherited(path: Path) -> object:
    """The file merged over the one it names in INHERIT, by MkDocs' own reading."""
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import yaml_load

    try:
        with open(path, "rb") as file:
            return yaml_load(file, _Loader)  # type: ignore[arg-type]  # a SafeLoader is a BaseLoader
    except (OSError, ConfigurationError) as exc:
        raise ConfigFileError(f"{path}: paramcalc: cannot read what it inherits ({exc})") from None


def _yaml_error(path: Path, exc: yaml.YAMLError) -> str:
    """`mkdocs.yml:3:9: paramcalc: not YAML: ...`, where the YAML reader stopped."""
    mark = getattr(exc, "problem_mark", None)
    where = str(Position(str(path), mark.line + 1, mark.column + 1)) if mark else str(path)
    return f"{where}: paramcalc: the file is not valid YAML: {getattr(exc, 'problem', None) or exc}"


def _entries(plugins: object) -> list[tuple[object, object]]:
    """The (name, options) pairs of a `plugins:` list or mapping, as MkDocs reads them."""
    if isinstance(plugins, dict):
        return list(plugins.items())
    if not isinstance(plugins, list):
        return []
    return [next(iter(p.items())) if isinstance(p, dict) and p else (p, None) for p in plugins]


def located(path: str, error: ConfigError) -> ConfigFileError:
    """The error's problems, each as `path:line:column: paramcalc: ...` where the file shows it."""
    try:
        places = _places(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        places = {}
    lines = []
    for problem in error.problems:
        place = places.get((problem.option, problem.at_name)) or places.get((None, False))
        where = str(Position(path, *place)) if place else path
        lines.append(f"{where}: {PLUGIN}: {problem.text()}")
    return ConfigFileError("\n".join(lines))


Place = tuple[int, int]


def _places(text: str) -> dict[tuple[str | None, bool], Place]:
    """Where the paramcalc options are written: (option, at its name) → (line, column), and
    (None, False) → the options as a whole. Empty if the file does not say (an INHERIT)."""
    root = yaml.compose(text, Loader=_Loader)
    plugins = _value(root, "plugins")
    entry: Any = None
    if isinstance(plugins, yaml.MappingNode):
        entry = _value(plugins, PLUGIN)
    elif isinstance(plugins, yaml.SequenceNode):
        for item in plugins.value:
            entry = _value(item, PLUGIN) if isinstance(item, yaml.MappingNode) else None
            if entry is not None:
                break
    if entry is None:
        return {}
    places: dict[tuple[str | None, bool], Place] = {(None, False): _place(entry)}
    if isinstance(entry, yaml.MappingNode):
        for key, value in entry.value:
            places[(str(key.value), True)] = _place(key)
            places[(str(key.value), False)] = _place(value)
    return places


def _value(node: Any, key: str) -> Any:
    """The node under `key` in a mapping node, or None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _place(node: yaml.Node) -> Place:
    return node.start_mark.line + 1, node.start_mark.column + 1
