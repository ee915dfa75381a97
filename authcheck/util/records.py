"""`@frozen` and `@mutable`: dataclasses that cost less to define, for the many classes every run imports.

`dataclasses.dataclass(frozen=True)` compiles six methods per class from source text (`__init__`,
`__repr__`, `__eq__`, `__hash__`, `__setattr__`, `__delattr__`): about 0.7 ms of CPU a class, 17 ms for
the model alone on every start.  `frozen` lets `dataclasses` do the field bookkeeping with no method
generated (so `fields`, `replace`, `asdict` and `__match_args__` are the standard ones), compiles
only `__init__` (the same code `dataclasses` writes) and shares one implementation of the other five,
with the same behaviour: equality on the compared fields between objects of the same class,
the hash of those fields, `Name(field=value, ...)` as repr (fields with `repr=False` left out,
`...` on recursion), `FrozenInstanceError` on assignment or deletion.  Pickling and copying are
the default object protocol either way.  Supported: plain fields with or without default or
default_factory, `init`/`repr`/`compare`/`hash` per field, `__post_init__`; anything else
(ClassVar, InitVar, kw_only, a dataclass base, the class's own `__eq__`...) raises TypeError at
class definition.  `@mutable` is the same for `@dataclass` (assignable fields, `__hash__` None).

The field bookkeeping is written here too (`_bookkeeping`), as `dataclasses` writes it for such a class
(`__dataclass_fields__` of `Field`s marked as ordinary fields, `__dataclass_params__`, `__match_args__`,
defaults left as class attributes): `dataclasses`' general version checks every string annotation for
ClassVar, InitVar and KW_ONLY through regular expressions and module lookups, about 40 us a class, 2 ms of
the 54 classes a first check's standby defines.  Anything outside the common case (see `_bookkeeping`)
goes to `dataclasses`, as before; tests/test_records.py compares the two for every record class of the
package.
"""

from __future__ import annotations

import copy
import dataclasses
from _thread import get_ident
from abc import ABCMeta, update_abstractmethods
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

from authcheck.util.patterns import code, compiled

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kwargs):
        """Typing only (PEP 681): mypy reads `@frozen` classes as frozen dataclasses."""
        return lambda func: func


T = TypeVar("T", bound=type)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """A function returning the tuple of these attributes (a tuple even for one or none)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


def _init_source(cls: type, fields: tuple[dataclasses.Field, ...], frozen: bool) -> tuple[str, dict[str, Any]]:
    """Source of `__init__` as `dataclasses` writes it, and its globals."""
    namespace: dict[str, Any] = {"_setattr": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    params, body = ["self"], []
    for f in fields:
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            namespace[f"_factory_{f.name}"] = f.default_factory
        if f.init:
            if has_factory:
                params.append(f"{f.name}=_HAS_FACTORY")
                value = f"_factory_{f.name}() if {f.name} is _HAS_FACTORY else {f.name}"
            elif f.default is not dataclasses.MISSING:
                namespace[f"_default_{f.name}"] = f.default
                params.append(f"{f.name}=_default_{f.name}")
                value = f.name
            else:
                params.append(f.name)
                value = f.name
        elif has_factory:
            value = f"_factory_{f.name}()"
        elif f.default is not dataclasses.MISSING:
            namespace[f"_default_{f.name}"] = f.default
            value = f"_default_{f.name}"
        else:
            continue
        body.append(f"    _setattr(self, {f.name!r}, {value})" if frozen else f"    self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    return source, namespace


class _HasFactory:
    """Marks a parameter left out, so `__init__` calls the field's default_factory."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _HasFactory()


def _methods(cls: Any, fields: tuple[dataclasses.Field, ...], frozen: bool) -> dict[str, Any]:
    """`__repr__`, `__eq__`, `__hash__` (and, frozen, `__setattr__`, `__delattr__`) as dataclasses' own."""
    shown = tuple(f.name for f in fields if f.repr)
    compared = _getter(tuple(f.name for f in fields if f.compare))
    hashed = _getter(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))
    names = frozenset(f.name for f in fields)
    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = (id(self), get_ident())
        if key in running:
            return "..."
        running.add(key)
        try:
            inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
            return f"{self.__class__.__qualname__}({inner})"
        finally:
            running.discard(key)

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    if not frozen:
        return {"__repr__": __repr__, "__eq__": __eq__, "__hash__": None}
    return {
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__setattr__": __setattr__,
        "__delattr__": __delattr__,
    }


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen(cls: T) -> T:
    """The class as `@dataclass(frozen=True)` would make it, at a fraction of the cost."""
    return _make(cls, True)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def mutable(cls: T) -> T:
    """The class as `@dataclass` would make it, at a fraction of the cost."""
    return _make(cls, False)


#: dataclasses' marker of an ordinary field (None: kept otherwise here, and `dataclasses` keeps the books)
_FIELD = getattr(dataclasses, "_FIELD", None)
_DATACLASS = dataclasses.dataclass(init=False, repr=False, eq=False)  #: the books as dataclasses keeps them
#: what `_DATACLASS` gives a class: its parameters record, copied for each class (`_bookkeeping`)
_TEMPLATE: Any = _DATACLASS(type("_Template", (), {"__doc__": "-"}))
_PARAMS = _TEMPLATE.__dataclass_params__
_PLAIN = frozenset(vars(type("_Plain", (), {"__doc__": "-"}))) | {
    "__dataclass_fields__",
    "__dataclass_params__",
    "__match_args__",
}
#: anything else dataclasses gives every such class on this interpreter (3.13's `__replace__`, say)
_ADDED = {name: value for name, value in vars(_TEMPLATE).items() if name not in _PLAIN}
#: a string annotation naming what a record does not support (dataclasses' pseudo-fields)
_PSEUDO = compiled(r"\s*(?:\w+\s*\.\s*)?(?:ClassVar|InitVar|KW_ONLY)\b")
_UNSUPPORTED = "@frozen/@mutable {}: ClassVar, InitVar and kw_only fields are not supported"


def _bookkeeping(cls: Any) -> Any:
    """What `dataclasses.dataclass(init=False, repr=False, eq=False)(cls)` does to a record class (see
    the module's docstring).  Only the common case is written here: string annotations (the package's,
    `from __future__ import annotations`), plain defaults or `field()`s.  Anything else (an annotation
    object, a `kw_only` field, a mutable default, a `field()` without an annotation, `__slots__`, no
    `__annotations__` of its own as under PEP 649, or a `dataclasses` without the `_FIELD` marker) goes
    to dataclasses itself, which raises or keeps the books as before (`_make` then refuses what a
    record does not support).  A string annotation naming ClassVar, InitVar or KW_ONLY is refused
    here: dataclasses would take it for a field unless the name resolves in the class's module."""
    annotations = cls.__dict__.get("__annotations__")  # noqa: RUF063 - as dataclasses reads them, without inspect
    if (
        _FIELD is None
        or annotations is None
        or "__slots__" in cls.__dict__
        or any(isinstance(v, dataclasses.Field) and k not in annotations for k, v in cls.__dict__.items())
    ):
        return _DATACLASS(cls)
    fields: dict[str, Any] = {}
    for name, kind in annotations.items():
        if not isinstance(kind, str):
            return _DATACLASS(cls)
        if _PSEUDO.match(kind):
            raise TypeError(_UNSUPPORTED.format(cls.__name__))
        default = getattr(cls, name, dataclasses.MISSING)
        made: Any = default if isinstance(default, dataclasses.Field) else dataclasses.field(default=default)
        if made.kw_only is True or made.default.__class__.__hash__ is None:
            return _DATACLASS(cls)  # refused by `_make`, or dataclasses' own ValueError
        made.name, made.type, made._field_type = name, kind, _FIELD
        if made.kw_only is dataclasses.MISSING:
            made.kw_only = False
        fields[name] = made
    for name, made in fields.items():
        if isinstance(getattr(cls, name, None), dataclasses.Field):
            if made.default is dataclasses.MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, made.default)
    cls.__dataclass_params__ = copy.copy(_PARAMS)
    cls.__dataclass_fields__ = fields
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(name for name, made in fields.items() if made.init)  # type: ignore[misc]
    for name, value in _ADDED.items():
        if name not in cls.__dict__:
            setattr(cls, name, value)
    if isinstance(cls, ABCMeta):
        cls = update_abstractmethods(cls)
    return cls


def _make(cls: Any, frozen: bool) -> Any:
    """`cls` with dataclasses' fields, a compiled `__init__` and the shared methods."""
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        if name in cls.__dict__ and not (name == "__hash__" and cls.__dict__[name] is None):
            raise TypeError(f"@frozen/@mutable {cls.__name__} defines {name}: use @dataclass")
    if any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:]):
        raise TypeError(f"@frozen/@mutable {cls.__name__}: a subclass of a dataclass is not supported")
    had_doc = cls.__doc__ is not None
    if not had_doc:
        # a placeholder while dataclasses runs: it would read object.__init__'s signature for one (the class has no
        # __init__ yet), a builtin's, which inspect tokenizes (tokenize compiles its patterns: ≈ 2-5 ms); set below
        cls.__doc__ = cls.__name__
    cls = _bookkeeping(cls)
    fields = dataclasses.fields(cls)
    if len(fields) != len(cls.__dataclass_fields__) or any(getattr(f, "kw_only", False) for f in fields):
        raise TypeError(_UNSUPPORTED.format(cls.__name__))
    source, namespace = _init_source(cls, fields, frozen)
    exec(code(source), namespace)  # our own generated source, as dataclasses does (compiled once per machine)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {**{f.name: f.type for f in fields if f.init}, "return": None}
    cls.__init__ = init
    for name, method in _methods(cls, fields, frozen).items():
        if method is not None:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
            method.__module__ = cls.__module__
        setattr(cls, name, method)
    params = cls.__dataclass_params__
    params.init = params.repr = params.eq = True
    params.frozen = frozen
    if not had_doc:
        import inspect

        cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    return cls
