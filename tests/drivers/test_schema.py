"""Settings made at once (no pydantic) and checked in full (pydantic) agree: the same object
for the same input where both take it, and whatever :func:`made` does not take as it is,
:func:`checked` refuses or converts, naming the field."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from pydantic import ValidationError

from drivers.schema import Check, Untrusted, as_dict, checked, made, settings


def _even(value: int) -> int:
    if value % 2:
        raise ValueError("must be even")
    return value


@settings
class Inner:
    timeout_s: Annotated[float, Check(gt=0, le=60)] = 5.0
    code: Annotated[str | None, Check(min_length=6)] = None
    folder: Path | None = None
    mode: Literal["a", "b"] = "a"
    even: Annotated[int, Check(after=_even)] = 2


@settings
class Outer:
    name: str = "kiosk"
    on: bool = True
    faults: list[str] = dataclasses.field(default_factory=list)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    inner: Inner = Inner()


def test_the_defaults_are_the_same_both_ways() -> None:
    assert made(Outer, {}) == checked(Outer, {}) == Outer()


def test_values_of_the_right_types_give_the_same_object_both_ways() -> None:
    raw = {"name": "x", "on": False, "faults": ["paper_out"], "extra": {"k": [1]},
           "inner": {"timeout_s": 3, "code": "abcdefg", "folder": "/tmp/x", "mode": "b", "even": 4}}
    fast, full = made(Outer, raw), checked(Outer, raw)
    assert fast == full
    assert isinstance(fast.inner.timeout_s, float) and fast.inner.folder == Path("/tmp/x")
    assert as_dict(full)["inner"]["mode"] == "b"
    assert checked(Outer, full) == full


@pytest.mark.parametrize("raw", [
    {"name": 3}, {"on": "yes"}, {"on": 1}, {"faults": "paper_out"}, {"faults": [1]},
    {"inner": {"timeout_s": "5"}}, {"inner": {"mode": "c"}}, {"inner": 5}, {"inner": {"x": 1}},
    {"unknown": 1}, {"inner": {"folder": ""}},
])
def test_what_made_does_not_take_is_left_to_the_full_check(raw: dict[str, Any]) -> None:
    with pytest.raises(Untrusted):
        made(Outer, raw)


@pytest.mark.parametrize(("raw", "kind", "loc"), [
    ({"inner": {"timeout_s": 0}}, "greater_than", ("inner", "timeout_s")),
    ({"inner": {"code": "abc"}}, "string_too_short", ("inner", "code")),
    ({"inner": {"even": 3}}, "value_error", ("inner", "even")),
    ({"inner": {"mode": "c"}}, "literal_error", ("inner", "mode")),
    ({"unknown": 1}, "unexpected_keyword_argument", ("unknown",)),
])
def test_the_full_check_names_the_field(raw: dict[str, Any], kind: str,
                                        loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        checked(Outer, raw)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [(kind, loc)]


@pytest.mark.parametrize("raw", [[("name", "x")], "name", 5])
def test_the_full_check_refuses_what_is_not_a_table(raw: Any) -> None:
    with pytest.raises(ValidationError) as info:
        checked(Outer, raw)
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("dataclass_type", ())]


_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 100), st.floats(-1, 100),
                  st.text(max_size=8), st.lists(st.text(max_size=3), max_size=2))


@hsettings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "name": _leaf, "on": _leaf, "faults": _leaf,
    "inner": st.fixed_dictionaries({}, optional={
        "timeout_s": _leaf, "code": _leaf, "mode": st.sampled_from(["a", "b", "c", 1]),
        "even": _leaf, "folder": _leaf})}))
def test_whatever_both_take_they_make_alike(raw: dict[str, Any]) -> None:
    try:
        fast = made(Outer, raw)
    except Untrusted:
        return
    try:
        full = checked(Outer, raw)
    except ValidationError:
        return  # a constraint: the full check, after the first frame, refuses it
    assert fast == full


def test_declaring_and_making_settings_imports_no_pydantic() -> None:
    code = textwrap.dedent("""
        import sys
        from typing import Annotated
        from drivers.schema import Check, made, settings

        @settings
        class Printer:
            port: Annotated[int, Check(ge=1, le=65535)] = 9100

        assert made(Printer, {"port": 9101}).port == 9101
        assert not [m for m in sys.modules if m.startswith("pydantic")], sorted(sys.modules)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
