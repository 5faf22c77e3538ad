"""`@value` classes: frozen, comparable, hashable, slotted, with defaults and factories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dot import values
from dot.values import field, fields_of, replace, value


@value
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    norm: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "norm", abs(self.x) + abs(self.y))

    def moved(self, dx: int) -> Point:
        return replace(self, x=self.x + dx)


@value
class Labelled(Point):
    label: str = ""


def test_fields_defaults_factories_and_derived_fields() -> None:
    p = Point(3, -4)
    assert (p.x, p.y, p.tags, p.norm) == (3, -4, [], 7)
    assert Point(1).tags is not Point(1).tags  # a fresh default per instance
    assert fields_of(p) == ("x", "y", "tags")
    assert p.moved(1) == Point(4, -4) and p.moved(1).norm == 8
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=[])"


def test_equality_hashing_and_matching() -> None:
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != Labelled(1, 2)  # another class is never equal
    assert len({Point(1, 2, ()), Point(1, 2, ())}) == 1  # type: ignore[arg-type]
    match Labelled(5, label="a"):
        case Labelled(x, y, _, label):
            assert (x, y, label) == (5, 0, "a")
        case _:
            pytest.fail("no match")


def test_frozen() -> None:
    p = Point(1)
    with pytest.raises(AttributeError, match="frozen Point"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen Point"):
        del p.x  # type: ignore[misc]


def test_instances_are_slotted_without_a_dict() -> None:
    """Plans hold one value object per link: no per-instance __dict__ (half the memory)."""
    for obj in (Point(1), Labelled(1, label="a")):
        assert not hasattr(obj, "__dict__")
        with pytest.raises(AttributeError):
            object.__setattr__(obj, "extra", 1)
    assert Labelled.__slots__ == ("label",)  # type: ignore[attr-defined]
    assert Labelled(1, label="a").moved(1) == Labelled(2, label="a")


def test_methods_are_compiled_on_first_use() -> None:
    """Defining a value class compiles nothing; the first call of any method compiles
    all four (dot defines ~50 classes, a command uses a fraction)."""

    @value
    class Lazy:
        a: int

    stub = Lazy.__dict__["__init__"]
    assert Lazy.__dict__["__eq__"].__code__ is stub.__code__  # all four are stubs
    assert (
        Lazy(1) == Lazy(1)
        and hash(Lazy(2)) == hash(Lazy(2))
        and repr(Lazy(3)).endswith("Lazy(a=3)")
    )
    assert Lazy.__dict__["__init__"] is not stub
    assert (
        Lazy.__dict__["__init__"].__code__.co_filename
        == "<value test_methods_are_compiled_on_first_use.<locals>.Lazy>"
    )


def test_compiled_methods_are_kept_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first process compiles and saves; a later one loads instead of compiling."""
    cache = tmp_path / "__pycache__" / "values.marshal"
    monkeypatch.setattr(values, "_CODE_CACHE", str(cache))
    monkeypatch.setattr(values, "_codes", None)
    monkeypatch.setattr(values, "_used", set())

    def define() -> Any:
        @value
        class Point:
            x: int
            y: int = 0

        return Point

    first = define()
    assert first(1) == first(1, 0)
    values._save_codes()
    assert cache.is_file()

    monkeypatch.setattr(values, "_codes", None)  # as in a new process
    calls: list[str] = []
    real_compile = compile

    def counting_compile(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[1]))
        return real_compile(*args, **kwargs)

    monkeypatch.setattr("builtins.compile", counting_compile)
    again = define()
    assert again(2) == again(2, 0) and repr(again(3, 4)).endswith("Point(x=3, y=4)")
    assert calls == []


def test_an_unreadable_code_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "values.marshal"
    cache.write_bytes(b"not marshal data")
    monkeypatch.setattr(values, "_CODE_CACHE", str(cache))
    monkeypatch.setattr(values, "_codes", None)

    @value
    class Pair:
        a: int
        b: str = "x"

    assert Pair(1) == Pair(1, "x") and hash(Pair(1)) == hash(Pair(1, "x"))


def test_field_names_need_no_instance() -> None:
    @value
    class Wide:
        a: int = 0
        b: str = ""

    assert values.field_names(Wide) == ("a", "b") == fields_of(Wide())


def test_importing_the_cli_compiles_no_value_class() -> None:
    """`dot --version` must not pay for compiling (or loading) any value class."""
    import subprocess
    import sys

    code = "from dot.cli import app; import dot.values as v; print(v._codes is None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
