"""`@value`: frozen value classes that are cheap to define.

`@dataclass(frozen=True, slots=True)` costs about 1.7 ms per class at import (it
compiles several functions one by one and rebuilds the class for slots); dot
defines dozens of such classes, which made start-up measurably slower than its
floor (importing click and pathspec). `@value` compiles one small module per
class instead, and only when the class is first used: a command uses a fraction of
dot's classes. The compiled code is kept next to dot's bytecode (like a `.pyc`,
and only where Python writes those), so later processes load it instead of
compiling it again. It supports what dot
uses: fields with defaults, `field(default_factory=...)` for mutable defaults,
`field(init=False, compare=False)` for fields computed in `__post_init__`,
equality, hashing, `repr`, `__match_args__`, and frozenness. `replace` works like
its dataclasses namesake. mypy understands it through PEP 681
(`dataclass_transform`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from types import CodeType
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

_MISSING: Any = object()


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class _Derived:
    __slots__ = ()


def field(
    *,
    default_factory: Callable[[], T] | None = None,
    init: bool = True,
    compare: bool = True,
) -> T:
    """`field(default_factory=f)`: a default made fresh per instance;
    `field(init=False, compare=False)`: set by `__post_init__`, not compared."""
    if default_factory is not None:
        return _Factory(default_factory)  # type: ignore[return-value]
    if init or compare:
        raise TypeError("field() supports default_factory=..., or init=False, compare=False")
    return _Derived()  # type: ignore[return-value]


def _frozen(self: object, name: str, value: object) -> None:
    raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _frozen_del(self: object, name: str) -> None:
    raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value(cls: type[T]) -> type[T]:
    """Make `cls` a frozen value class from its annotated fields (see the module doc)."""
    fields: list[str] = []
    derived_names: list[str] = []
    defaults: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        # A value class's defaults live in __value_defaults__ (its slots replaced them).
        own = vars(klass).get("__value_defaults__", klass.__dict__)
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            default = own.get(name, _MISSING)
            if isinstance(default, _Derived):
                derived_names.append(name)
                continue
            if name not in fields:
                fields.append(name)
            if default is not _MISSING:
                defaults[name] = default
    params = []
    body = []
    env: dict[str, Any] = {"_set": object.__setattr__, "_cls": cls}
    for name in fields:
        default = defaults.get(name, _MISSING)
        if default is _MISSING:
            params.append(name)
        elif isinstance(default, _Factory):
            env[f"_f_{name}"] = default.make
            params.append(f"{name}=_MISSING_")
            body.append(f"    if {name} is _MISSING_: {name} = _f_{name}()")
        else:
            env[f"_d_{name}"] = default
            params.append(f"{name}=_d_{name}")
        body.append(f"    _s_{name}(self, {name})")
    env["_MISSING_"] = _MISSING
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    values = ", ".join(f"self.{n}" for n in fields)
    other = ", ".join(f"other.{n}" for n in fields)
    shown = ", ".join(f"{n}={{self.{n}!r}}" for n in fields)
    source = "\n".join(
        [
            f"def __init__(self, {', '.join(params)}):",
            *(body or ["    pass"]),
            "def __eq__(self, other):",
            "    if other.__class__ is not self.__class__:",
            "        return NotImplemented",
            f"    return ({values},) == ({other},)",
            "def __hash__(self):",
            f"    return hash(({values},))",
            "def __repr__(self):",
            f"    return f'{cls.__qualname__}({shown})'",
        ]
    )
    cls = _slotted(cls, fields + derived_names)
    env["_cls"] = cls

    def materialize() -> None:
        # Compiled on first use: a command uses a fraction of dot's value classes,
        # and compiling the methods is most of what defining one costs.
        for name in fields:
            # The slot's own setter: a third cheaper than object.__setattr__ (which
            # looks the descriptor up each time), and plans make tens of thousands.
            env[f"_s_{name}"] = _setter(cls, name)
        exec(_code(source, f"<value {cls.__qualname__}>"), env)
        for method in _METHODS:
            env[method].__qualname__ = f"{cls.__qualname__}.{method}"
            type.__setattr__(cls, method, env[method])

    for method in _METHODS:
        type.__setattr__(cls, method, _stub(cls, method, materialize))
    type.__setattr__(cls, "__match_args__", tuple(fields))
    type.__setattr__(cls, "__setattr__", _frozen)
    type.__setattr__(cls, "__delattr__", _frozen_del)
    type.__setattr__(cls, "__value_fields__", tuple(fields))
    type.__setattr__(
        cls, "__value_defaults__", {**defaults, **dict.fromkeys(derived_names, _Derived())}
    )
    return cls


_METHODS = ("__init__", "__eq__", "__hash__", "__repr__")


# --- compiled methods, kept between processes ----------------------------------------

_CODE_CACHE = os.path.join(
    os.path.dirname(__file__), "__pycache__", f"values.{sys.implementation.cache_tag}.marshal"
)
_CODE_CACHE_LIMIT = 512  # entries; past it, only what the last process used is kept
_codes: dict[str, CodeType] | None = None  # (filename + source) -> code, loaded on first use
_used: set[str] = set()
_compiled_here = False


def _code(source: str, filename: str) -> CodeType:
    """`compile(source, filename, "exec")`, from the cache file when it is there."""
    global _codes, _compiled_here
    if _codes is None:
        _codes = _load_codes(_CODE_CACHE)
    key = f"{filename}\n{source}"
    _used.add(key)
    code = _codes.get(key)
    if code is None:
        code = compile(source, filename, "exec")
        _codes[key] = code
        if not _compiled_here and not sys.dont_write_bytecode:
            import atexit

            atexit.register(_save_codes)
        _compiled_here = True
    return code


def _load_codes(path: str) -> dict[str, CodeType]:
    import marshal

    try:
        with open(path, "rb") as stream:
            data = marshal.loads(stream.read())  # (marshal.load reads in tiny pieces)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, CodeType)}


def _save_codes(path: str | None = None) -> None:
    """Write the cache (best effort: a read-only install or a zipapp simply has none)."""
    import marshal

    path = path or _CODE_CACHE
    codes = _codes or {}
    if len(codes) > _CODE_CACHE_LIMIT:
        codes = {key: code for key, code in codes.items() if key in _used}
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as stream:
            marshal.dump(codes, stream)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """Sets field `name` of an instance of `cls`, past its frozen __setattr__."""
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if slot is not None and hasattr(slot, "__set__"):
            setter: Callable[[Any, Any], None] = slot.__set__
            return setter

    def fallback(self: Any, item: Any) -> None:
        object.__setattr__(self, name, item)

    return fallback


def _stub(cls: type, method: str, materialize: Callable[[], None]) -> Callable[..., Any]:
    """Stands in for `method` of `cls` until the first call of any of its methods."""

    def stub(self: Any, *args: Any, **kwargs: Any) -> Any:
        if cls.__dict__[method] is stub:  # not yet compiled (another thread may have)
            materialize()
        return cls.__dict__[method](self, *args, **kwargs)

    stub.__qualname__ = f"{cls.__qualname__}.{method}"
    return stub


def _slotted(cls: type[T], names: list[str]) -> type[T]:
    """`cls` rebuilt with `__slots__` for the fields it adds: no per-instance `__dict__`,
    about half the memory per object (plans hold one per link). Methods of value classes
    must not use zero-argument `super()` (its cell would name the old class)."""
    inherited = {n for klass in cls.__mro__[1:] for n in getattr(klass, "__slots__", ())}
    namespace = {
        key: item
        for key, item in cls.__dict__.items()
        if key not in names and key not in ("__dict__", "__weakref__")
    }
    namespace["__slots__"] = tuple(n for n in names if n not in inherited)
    rebuilt: type[T] = type.__new__(type(cls), cls.__name__, cls.__bases__, namespace)
    rebuilt.__qualname__ = cls.__qualname__
    return rebuilt


def fields_of(obj: object) -> tuple[str, ...]:
    """The names of a value class's fields, in order."""
    return field_names(type(obj))


def field_names(cls: type) -> tuple[str, ...]:
    """The names of the fields of the value class `cls`, in order (no instance needed:
    making one compiles the class's methods)."""
    names: tuple[str, ...] = cls.__value_fields__  # type: ignore[attr-defined]
    return names


def replace(obj: T, **changes: Any) -> T:
    """A copy of the value `obj` with some fields changed."""
    kwargs = {name: getattr(obj, name) for name in fields_of(obj)}
    kwargs.update(changes)
    return type(obj)(**kwargs)
