"""A block's options: site-wide settings, overridden by what its fence says."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.characters import UNSAFE, describe
from mkdocs_paramcalc.values import quoted, shortened

FRAMEWORKS = ("keras", "pytorch")
PARTS = ("table", "derivations", "macs", "memory", "diagram", "shares")
MATH = ("mathml", "arithmatex")
FENCE_OPTIONS = ("id", "title", "input", "framework", "show", "expect", "model")
# The site-wide options, the one list of them: each front end (plugin, extension, CLI) reads
# its config through Settings.from_config, and the extension's help strings come from here.
SITE_OPTIONS = {
    "framework": "Default dialect: keras or pytorch",
    "show": "Parts to render, space-separated",
    "separator": "Thousands separator: one character, or empty for none",
    "math": "mathml (no JavaScript) or arithmatex (LaTeX for MathJax/KaTeX)",
}
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Setting:
    """A fence option's text and where it was written."""

    value: str
    where: Location


class ConfigProblem(NamedTuple):
    """One mistake in a site's options; `option` is None for the options as a whole."""

    option: str | None
    message: str
    hint: str = ""
    at_name: bool = False  # an unknown option is pointed at by its name, a bad value by the value

    def text(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class ConfigError(ValueError):
    """Every mistake in a site's options, one line each: `paramcalc: unknown option 'shw'; ...`."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"paramcalc: {p.text()}" for p in self.problems))


class _BadValueError(Exception):
    """A bad value of a site option: what is wrong, and what to write instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Settings:
    """Site-wide defaults: the plugin's options, or the Markdown extension's config."""

    framework: str = "keras"
    show: tuple[str, ...] = ("table", "derivations")
    separator: str = ","
    math: str = "mathml"

    @classmethod
    def from_config(cls, config: object, switches: Sequence[str] = ()) -> Settings:
        """Checked settings from a config mapping; `switches` are the front end's own options,
        which must be true or false (the plugin's `enabled`). Raises ConfigError naming every
        bad option."""
        if not isinstance(config, Mapping):
            raise ConfigError([_not_a_mapping(config)])
        values: dict[str, Any] = {}
        problems: list[ConfigProblem] = []
        for key, value in config.items():
            try:
                values[str(key)] = _site_option(str(key), value, switches)
            except _BadValueError as bad:
                problems.append(ConfigProblem(str(key), bad.message, bad.hint))
            except KeyError:
                problems.append(_unknown_option(str(key), switches))
        if problems:
            raise ConfigError(problems)
        return replace(cls(), **{k: v for k, v in values.items() if k in SITE_OPTIONS})

    def as_config(self) -> dict[str, str]:
        """The settings as a config mapping says them (what from_config reads back)."""
        return {
            "framework": self.framework,
            "show": " ".join(self.show),
            "separator": self.separator,
            "math": self.math,
        }


def _site_option(key: str, value: object, switches: Sequence[str]) -> object:
    """A site option's value, checked; raises _BadValueError, or KeyError for an unknown option."""
    if key in switches:
        return _switch(key, value)
    check = _SITE_CHECKS[key]
    if value is None:
        raise _BadValueError(f"{key} has no value", f"give it one, or leave {key} out for its default")
    return check(value)


def _unknown_option(key: str, switches: Sequence[str]) -> ConfigProblem:
    known = (*switches, *SITE_OPTIONS)
    close = difflib.get_close_matches(key, known, n=1)
    return ConfigProblem(
        key,
        f"unknown option {quoted(key)}; the options are {', '.join(known)}",
        f'did you mean "{close[0]}"?' if close else "",
        at_name=True,
    )


def _not_a_mapping(config: object) -> ConfigProblem:
    return ConfigProblem(
        None,
        f"the options must be `option: value` lines, got {quoted(config)} ({_kind(config)})",
        "indent each option under the plugin's name, or write just the name for the defaults",
    )


def _kind(value: object) -> str:
    """What a YAML or Python value is, in a config author's words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    return "a mapping" if isinstance(value, Mapping) else type(value).__name__


def _switch(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _BadValueError(
            f"{key} must be true or false, got {quoted(value)} ({_kind(value)})",
            f"write {key}: true or {key}: false, without quotes",
        )
    return value


def _choice(key: str, choices: tuple[str, ...]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value in choices:
            return str(value)
        close = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
        raise _BadValueError(
            f"{key} must be {' or '.join(repr(c) for c in choices)}, got {quoted(value)}",
            f'did you mean "{close[0]}"?' if close else "",
        )

    return check


def _show(value: object) -> tuple[str, ...]:
    if not isinstance(value, str):
        words = "table derivations"
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            words = " ".join(str(v) for v in value)  # the list's parts, as show writes them
        raise _BadValueError(
            f"show must be parts separated by spaces, got {quoted(value)} ({_kind(value)})",
            f"write show: {shortened(words)}",
        )
    trouble = _show_trouble(value)
    if trouble:
        raise _BadValueError(trouble[1], trouble[2])
    return tuple(value.split())


def _separator(value: object) -> str:
    if not isinstance(value, str):
        raise _BadValueError(
            f"separator must be one character in quotes, or '' for none; got {quoted(value)} "
            f"({_kind(value)})",
            'quote it: separator: " "',
        )
    if len(value) > 1:
        raise _BadValueError(
            f"separator must be one character, or '' for none; got {quoted(value)}",
            'a thousands separator is one character, such as "," or " "',
        )
    if value and UNSAFE.match(value):
        message, hint = describe(value)
        raise _BadValueError(f"separator is {message}", hint)
    if value and (value.isdigit() or unicodedata.category(value)[0] in "MN"):
        raise _BadValueError(
            f"separator cannot be {value!r}: 1{value}000 would read as a number",
            'use a mark or a space, such as "," or " "',
        )
    return value


_SITE_CHECKS: dict[str, Callable[[object], object]] = {
    "framework": _choice("framework", FRAMEWORKS),
    "show": _show,
    "separator": _separator,
    "math": _choice("math", MATH),
}


@dataclass(frozen=True)
class Options:
    """Everything a block's rendering depends on."""

    settings: Settings
    id: str | None = None
    title: str | None = None
    input: Setting | None = None
    framework: str = "keras"
    show: tuple[str, ...] = ("table", "derivations")
    expect: Setting | None = None
    framework_given: bool = False  # on the fence: layer names do not override it
    model: Setting | None = None  # pasted code that defines several models: the one meant


def parse_options(
    raw: dict[str, str],
    settings: Settings,
    columns: dict[str, int] | None = None,
    value_columns: dict[str, int] | None = None,
) -> Options:
    """Options from a fence's `key="value"` pairs; an unknown key or bad value is an error.

    `columns`: where each key starts on the fence's line; `value_columns`: where its value
    starts, else just after `key="`, as superfences reads options.
    """
    columns = columns or {}

    def where(key: str) -> Location:
        return Location(0, columns.get(key, 1))

    _check_keys(raw, columns, value_columns)
    block_id = raw.get("id")
    if block_id is not None and not _ID.match(block_id):
        raise BlockError(
            f"id {quoted(block_id)} must start with a letter and hold only letters, digits, _ and -",
            where("id"),
            'e.g. id="mnist"',
        )
    framework = settings.framework
    if "framework" in raw:
        try:
            framework = _choice("framework", FRAMEWORKS)(raw["framework"])
        except _BadValueError as bad:
            raise BlockError(bad.message, where("framework"), bad.hint) from None
    show = settings.show
    if "show" in raw:
        show = _fence_show(raw["show"], lambda offset: _at("show", offset, columns, value_columns))
    return Options(
        settings=settings,
        id=block_id,
        title=raw.get("title"),
        input=Setting(raw["input"], where("input")) if "input" in raw else None,
        framework=framework,
        show=show,
        expect=Setting(raw["expect"], where("expect")) if "expect" in raw else None,
        framework_given="framework" in raw,
        model=Setting(raw["model"], where("model")) if "model" in raw else None,
    )


def _check_keys(raw: dict[str, str], columns: dict[str, int], value_columns: dict[str, int] | None) -> None:
    """Every key a fence option, every value free of refused characters; raises BlockError."""
    for key, value in raw.items():
        bad = UNSAFE.search(value)
        if bad:
            message, hint = describe(bad.group())
            raise BlockError(
                f"option `{shortened(key)}` holds {message}",
                _at(key, bad.start(), columns, value_columns),
                hint,
            )
        if key not in FENCE_OPTIONS:
            close = difflib.get_close_matches(key, FENCE_OPTIONS, n=1)
            raise BlockError(
                f"unknown option `{shortened(key)}`; the options are {', '.join(FENCE_OPTIONS)}",
                Location(0, columns.get(key, 1)),
                f"did you mean `{close[0]}`?" if close else "",
            )


def _at(key: str, offset: int, columns: dict[str, int], value_columns: dict[str, int] | None) -> Location:
    """Where the character `offset` of an option's value is on the fence's line, if known."""
    if value_columns and key in value_columns:
        return Location(0, value_columns[key] + offset)
    if key in columns:
        return Location(0, columns[key] + len(key) + len('="') + offset)
    return Location(0, 1)


def parse_show(text: str) -> tuple[str, ...]:
    """`show`'s parts from text outside a block (the command line); raises BlockError."""
    return _fence_show(text, lambda offset: Location())


def _fence_show(text: str, where: Callable[[int], Location]) -> tuple[str, ...]:
    """A fence's `show=`, its mistakes located at the part that is wrong."""
    trouble = _show_trouble(text)
    if trouble:
        offset, message, hint = trouble
        raise BlockError(message, where(offset), hint)
    return tuple(text.split())


def _show_trouble(text: str) -> tuple[int, str, str] | None:
    """What is wrong with `show`'s text, and where in it (an offset), or None: nothing shown would
    be a block that says nothing, so an empty `show` is a mistake too."""
    parts = ", ".join(PARTS)
    if not text.strip():
        return (
            0,
            f"show is empty; the parts are {parts}",
            'leave show out for the default, "table derivations"',
        )
    for match in re.finditer(r"\S+", text):
        part = match.group()
        if part not in PARTS:
            close = difflib.get_close_matches(part, PARTS, n=1)
            hint = f'did you mean "{close[0]}"?' if close else ""
            return match.start(), f"show: unknown part {quoted(part)}; the parts are {parts}", hint
    return None
