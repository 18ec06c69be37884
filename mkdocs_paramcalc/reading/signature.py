"""Binding a call's arguments to a layer's signature, and reading them as sizes, choices, flags."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from mkdocs_paramcalc.errors import BlockError, BlockErrors, Location
from mkdocs_paramcalc.reading.parse import Arg, Call
from mkdocs_paramcalc.values import Number, Value, is_number, is_positive, is_symbolic

REQUIRED = object()

# What every layer of a dialect takes. `expect` is ours (the count the text claims), and so are
# `tied` (the earlier layer whose weights it uses: counted once) and, on PyTorch layers, `name`
# and `trainable` (a label for the table, and a frozen layer).
COMMON = {
    "keras": "name=None, dtype=None, trainable=True, expect=None, input_shape=None, tied=None",
    "pytorch": "device=None, dtype=None, name=None, trainable=True, expect=None, tied=None",
}


@dataclass(frozen=True)
class Signature:
    """Argument names in positional order, with defaults (REQUIRED where none)."""

    names: tuple[str, ...]
    defaults: tuple[Value, ...]
    positional: int  # how many may be given by position

    @classmethod
    def of(cls, text: str, inert: str = "", *, common: str = "keras") -> Signature:
        """Read a signature written as Python parameters, e.g. `units, use_bias=True`.

        `inert` names keyword arguments that are accepted and change no count or shape
        (initializers, regularizers); messages do not list them.
        """
        own = ast.parse(f"def f({text}): pass").body[0]
        assert isinstance(own, ast.FunctionDef)
        extra = f"{inert}, {COMMON[common]}" if inert else COMMON[common]
        # `text` may be empty (torch's Sigmoid) or end in keyword-only arguments (`*, bias=True`).
        head = f"{text}, " if text.strip() else ""
        star = "" if own.args.kwonlyargs else "*, "
        full = ast.parse(f"def f({head}{star}{extra}): pass").body[0]
        assert isinstance(full, ast.FunctionDef)
        names, defaults = [], []
        args = full.args
        padded = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(args.args, padded, strict=True))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        for arg, default in pairs:
            names.append(arg.arg)
            defaults.append(REQUIRED if default is None else ast.literal_eval(default))
        return cls(tuple(names), tuple(defaults), len(own.args.args))

    def text(self) -> str:
        """The signature as the docs show it."""
        shown = []
        for name, default in zip(self.names[: self.positional], self.defaults, strict=False):
            shown.append(name if default is REQUIRED else f"{name}={default!r}")
        return ", ".join(shown)


class Args:
    """A call's arguments bound to a signature; every reader raises a located BlockError."""

    def __init__(
        self, kind: str, label: str, signature: Signature, call: Call, *, source: str = "the block's input"
    ) -> None:
        self.kind = kind
        self.label = label
        self.call = call
        self.source = source  # where the layer's input comes from, for messages about declared sizes
        self._values: dict[str, Value] = dict(zip(signature.names, signature.defaults, strict=True))
        self._where: dict[str, Location] = {}
        problems = self._bind(signature, call)
        if problems:
            raise problems[0] if len(problems) == 1 else BlockErrors(problems)

    def _bind(self, signature: Signature, call: Call) -> list[BlockError]:
        """Set each argument; every argument that does not fit the signature is one error."""
        problems: list[BlockError] = []
        if len(call.args) > signature.positional:
            extra = call.args[signature.positional]
            allowed = ", ".join(signature.names[: signature.positional]) or "none"
            problems.append(
                self.error(
                    extra.where,
                    f"takes at most {signature.positional} positional argument"
                    f"{'s' if signature.positional != 1 else ''} ({allowed}), got {len(call.args)}",
                )
            )
        for name, arg in zip(signature.names, call.args, strict=False):
            self._set(name, arg)
        for name, arg in call.kwargs:
            if name not in self._values:
                close = difflib.get_close_matches(name, signature.names, n=1)
                hint = f"did you mean `{close[0]}`?" if close else ""
                known = ", ".join((*signature.names[: signature.positional], "name", "trainable", "expect"))
                problems.append(self.error(arg.where, f"has no argument `{name}`; it takes {known}", hint))
            elif name in self._where:
                problems.append(self.error(arg.where, f"`{name}` is given twice, by position and by name"))
            else:
                self._set(name, arg)
        if problems:  # an argument missing may be one misspelt: say only what is surely wrong
            return problems
        for name, value in self._values.items():
            if value is REQUIRED:
                return [self.error(call.where, f"needs `{name}`", f"e.g. {self.kind}({name}=...)")]
        return []

    def _set(self, name: str, arg: Arg) -> None:
        self._values[name] = arg.value
        self._where[name] = arg.where

    def given(self, name: str) -> bool:
        return name in self._where

    def where(self, name: str) -> Location:
        return self._where.get(name, self.call.where)

    def get(self, name: str) -> Value:
        return self._values[name]

    def error(self, where: Location, message: str, hint: str = "") -> BlockError:
        return BlockError(f"{self.label}: {message}", where, hint)

    def fail_at(self, where: Location, message: str, hint: str = "") -> NoReturn:
        raise self.error(where, message, hint)

    def fail(self, name: str, message: str, hint: str = "") -> NoReturn:
        self.fail_at(self.where(name), message, hint)

    def size(self, name: str, *, minimum: int = 1) -> Number:
        """A whole number ≥ minimum, or a symbolic size."""
        value = self.get(name)
        if isinstance(value, float) and value.is_integer():
            self.fail(name, f"`{name}` must be a whole number, got {value!r}", f"write {int(value)}")
        if not is_number(value) or (is_symbolic(value) and not _integral(value)):
            self.fail(name, f"`{name}` must be a whole number, got {_show(value)}")
        if isinstance(value, int) and value < minimum:
            self.fail(name, f"`{name}` must be at least {minimum}, got {value}")
        if minimum >= 1 and is_positive(value) is False:
            self.fail(name, f"`{name}` must be positive, got {_show(value)}")
        return value

    def sizes(self, name: str, rank: int, *, minimum: int = 1) -> tuple[Number, ...]:
        """An int (the same on every axis) or a tuple with one size an axis."""
        value = self.get(name)
        if isinstance(value, tuple):
            if len(value) != rank:
                self.fail(name, f"`{name}` needs {rank} value{'s' if rank > 1 else ''}, got {len(value)}")
            return tuple(self._checked(name, v, minimum) for v in value)
        return (self._checked(name, value, minimum),) * rank

    def _checked(self, name: str, value: Value, minimum: int) -> Number:
        if not is_number(value) or (isinstance(value, int) and value < minimum):
            self.fail(name, f"`{name}` takes whole numbers ≥ {minimum}, got {_show(value)}")
        return value

    def choice(self, name: str, options: Sequence[str], *, fold: bool = True) -> str:
        """One of `options`; `fold` accepts any case, as Keras does for some arguments."""
        value = self.get(name)
        if isinstance(value, str) and (value.lower() if fold else value) in options:
            return value.lower()
        shown = " or ".join(f'"{o}"' for o in options)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value.lower(), options, n=1)
            case = " (in lower case)" if value.lower() in options else ""
            hint = f'did you mean "{close[0]}"?{case}' if close else ""
        self.fail(name, f"`{name}` must be {shown}, got {_show(value)}", hint)
        return None

    def flag(self, name: str) -> bool:
        value = self.get(name)
        if not isinstance(value, bool):
            close = difflib.get_close_matches(str(value).capitalize(), ["True", "False"], n=1)
            hint = f"did you mean {close[0]}?" if close else ""
            self.fail(name, f"`{name}` must be True or False, got {_show(value)}", hint)
        return value

    def fraction(self, name: str) -> float:
        """A rate in [0, 1]."""
        value = self.get(name)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        if not ok:
            self.fail(name, f"`{name}` must be a number from 0 to 1, got {_show(value)}")
        return float(value)

    def number(self, name: str, *, optional: bool = False) -> float | None:
        """A number ≥ 0 (None allowed when `optional`)."""
        value = self.get(name)
        if value is None and optional:
            return None
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        if not ok:
            also = " or None" if optional else ""
            self.fail(name, f"`{name}` must be a number ≥ 0{also}, got {_show(value)}")
        return float(value)

    def optional_string(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and not isinstance(value, str):
            self.fail(name, f"`{name}` must be a string, got {_show(value)}")
        return value


def _integral(value: Value) -> bool:
    return bool(value.is_integer)


def _show(value: Value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value) if not is_symbolic(value) else str(value)
