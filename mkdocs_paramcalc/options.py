"""A block's options: site-wide settings, overridden by what its fence says."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from typing import Any

from .characters import UNSAFE, describe
from .errors import BlockError, Location

FRAMEWORKS = ("keras", "pytorch")
PARTS = ("table", "derivations", "macs", "memory", "diagram")
MATH = ("mathml", "arithmatex")
FENCE_OPTIONS = ("id", "title", "input", "framework", "show", "expect")
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Setting:
    """A fence option's text and where it was written."""

    value: str
    where: Location


@dataclass(frozen=True)
class Settings:
    """Site-wide defaults: the plugin's options, or the Markdown extension's config."""

    framework: str = "keras"
    show: tuple[str, ...] = ("table", "derivations")
    separator: str = ","
    math: str = "mathml"

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Settings:
        """Checked settings from a config mapping; raises ValueError naming the bad key."""
        unknown = sorted(set(config) - {"framework", "show", "separator", "math"})
        if unknown:
            raise ValueError(
                f"unknown option {unknown[0]!r}; the options are framework, show, separator, math"
            )
        settings = cls()
        if "framework" in config:
            settings = replace(settings, framework=_one_of("framework", config["framework"], FRAMEWORKS))
        if "show" in config:
            settings = replace(settings, show=_parts(str(config["show"]), Location()))
        if "separator" in config:
            if not isinstance(config["separator"], str) or len(config["separator"]) > 1:
                raise ValueError("separator must be one character, or empty for none")
            settings = replace(settings, separator=config["separator"])
        if "math" in config:
            settings = replace(settings, math=_one_of("math", config["math"], MATH))
        return settings


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

    for key, value in raw.items():
        bad = UNSAFE.search(value)
        if bad:
            message, hint = describe(bad.group())
            raise BlockError(
                f"option `{key}` holds {message}", _at(key, bad.start(), columns, value_columns), hint
            )
        if key not in FENCE_OPTIONS:
            close = difflib.get_close_matches(key, FENCE_OPTIONS, n=1)
            raise BlockError(
                f"unknown option `{key}`; the options are {', '.join(FENCE_OPTIONS)}",
                where(key),
                f"did you mean `{close[0]}`?" if close else "",
            )
    block_id = raw.get("id")
    if block_id is not None and not _ID.match(block_id):
        raise BlockError(
            f"id {block_id!r} must start with a letter and hold only letters, digits, _ and -",
            where("id"),
            'e.g. id="mnist"',
        )
    framework = settings.framework
    if "framework" in raw:
        try:
            framework = _one_of("framework", raw["framework"], FRAMEWORKS)
        except ValueError as exc:
            raise BlockError(str(exc), where("framework")) from None
    show = _parts(raw["show"], where("show")) if "show" in raw else settings.show
    return Options(
        settings=settings,
        id=block_id,
        title=raw.get("title"),
        input=Setting(raw["input"], where("input")) if "input" in raw else None,
        framework=framework,
        show=show,
        expect=Setting(raw["expect"], where("expect")) if "expect" in raw else None,
        framework_given="framework" in raw,
    )


def _at(key: str, offset: int, columns: dict[str, int], value_columns: dict[str, int] | None) -> Location:
    """Where the character `offset` of an option's value is on the fence's line, if known."""
    if value_columns and key in value_columns:
        return Location(0, value_columns[key] + offset)
    if key in columns:
        return Location(0, columns[key] + len(key) + len('="') + offset)
    return Location(0, 1)


def _one_of(key: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{key} must be {' or '.join(repr(c) for c in choices)}, got {value!r}")
    return str(value)


def parse_show(text: str) -> tuple[str, ...]:
    """`show`'s parts from text outside a block (the command line); raises BlockError."""
    return _parts(text, Location())


def _parts(text: str, where: Location) -> tuple[str, ...]:
    parts = tuple(text.split())
    for part in parts:
        if part not in PARTS:
            close = difflib.get_close_matches(part, PARTS, n=1)
            raise BlockError(
                f"show: unknown part {part!r}; the parts are {', '.join(PARTS)}",
                where,
                f'did you mean "{close[0]}"?' if close else "",
            )
    return parts
