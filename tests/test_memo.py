"""The memo module: bounded memos, one registry, one way to clear them all."""

from __future__ import annotations

import pytest

# Imported for their memos, which register when their module is imported
import mkdocs_paramcalc.dialects.formula
import mkdocs_paramcalc.reading.parse
import mkdocs_paramcalc.report.model  # noqa: F401
from mkdocs_paramcalc import memo
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.values import readable, symbol


def test_get_set_and_contains() -> None:
    m: Memo[str, int] = Memo("test: get and set", 4)
    assert m.get("a") is None
    assert m.set("a", 1) == 1
    assert m.get("a") == 1
    assert "a" in m
    assert len(m) == 1


def test_get_or_compute_computes_once() -> None:
    m: Memo[int, list[int]] = Memo("test: compute once", 4)
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [len(calls)]

    first = m.get_or_compute(7, compute)
    assert m.get_or_compute(7, compute) is first
    assert calls == [1]


def test_none_is_a_value_kept() -> None:
    m: Memo[str, None] = Memo("test: None kept", 4)
    calls: list[int] = []
    m.get_or_compute("x", lambda: calls.append(1))
    m.get_or_compute("x", lambda: calls.append(1))
    assert calls == [1]


def test_emptied_when_full() -> None:
    m: Memo[int, int] = Memo("test: bounded", 3)
    for key in range(3):
        m.set(key, key)
    assert len(m) == 3
    m.set(3, 3)
    assert len(m) == 1
    assert m.get(3) == 3
    assert m.get(0) is None


def test_limit_zero_keeps_nothing() -> None:
    m: Memo[int, int] = Memo("test: off", 0)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return 5

    assert m.get_or_compute(1, compute) == 5
    assert m.get_or_compute(1, compute) == 5
    assert calls == [1, 1]
    assert len(m) == 0


def test_an_error_is_not_kept_and_carries_no_lookup_context() -> None:
    m: Memo[str, int] = Memo("test: errors", 4)

    def fail() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no") as raised:
        m.get_or_compute("k", fail)
    assert "k" not in m
    assert raised.value.__context__ is None


def test_clear_all_empties_every_memo() -> None:
    a: Memo[int, int] = Memo("test: clear a", 4)
    b: Memo[int, int] = Memo("test: clear b", 4)
    a.set(1, 1)
    b.set(2, 2)
    assert memo.memos()["test: clear a"] is a
    memo.clear_all()
    assert len(a) == len(b) == 0


def test_one_name_one_memo() -> None:
    Memo("test: unique", 1)
    with pytest.raises(ValueError, match="exists already"):
        Memo("test: unique", 1)


def test_the_package_memos_are_registered() -> None:
    names = set(memo.memos())
    assert {"parse: lines", "model: layers", "formula: sympy printers", "values: readable forms"} <= names


def test_readable_forms_are_kept_by_structure() -> None:
    """2·H and 2.0·H are equal numbers but print differently: the memo keeps them apart."""
    import sympy

    h = symbol("H")
    exact, floating = readable(2 * h), readable(sympy.Float(2.0) * h)
    assert readable(2 * h) is exact
    assert str(floating) != str(exact)
    assert readable(sympy.floor((h - 3) / 2) + 1) == readable(sympy.floor((h - 3) / 2) + 1)


def test_keep_only_forgets_what_was_not_asked_again() -> None:
    kept: Memo[str, int] = Memo("test: keep only", 10)
    for key, value in (("a", 1), ("b", 2), ("c", 3)):
        kept.set(key, value)
    kept.keep_only(["a", "c", "z"])
    assert ("a" in kept, "b" in kept, "c" in kept, len(kept)) == (True, False, True, 2)
