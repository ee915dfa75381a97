"""`@frozen` and `@mutable` (util/records.py) behave as `@dataclass(frozen=True)` and `@dataclass`: side by side."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import pickle
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from authcheck.model import Evidence, Location, Result
from authcheck.util.records import frozen, mutable


def _body():
    """One class body, so both decorators see exactly the same fields."""

    class Sample:
        """A value with every kind of field the model uses."""

        name: str
        page: int | None = None
        tags: tuple[str, ...] = ()
        extra: Mapping[str, int] = field(default_factory=dict)
        note: str | None = field(default=None, compare=False)
        hidden: object = field(default=None, repr=False)
        late: list[int] = field(default_factory=list, init=False)

    return Sample


Real = dataclass(frozen=True)(_body())
Fast = frozen(_body())


def _pairs():
    for args, kwargs in [(("a",), {}), (("a", 3, ("x", "y")), {"extra": {"k": 1}, "note": "n", "hidden": 5})]:
        yield Real(*args, **kwargs), Fast(*args, **kwargs)


def test_repr_equality_and_hash_match_dataclasses():
    for real, fast in _pairs():
        assert repr(fast).replace("Sample", "X") == repr(real).replace("Sample", "X")
        assert "hidden" not in repr(fast)
        twin = Fast(fast.name, fast.page, fast.tags, fast.extra, note="other", hidden=fast.hidden)
        assert twin == fast  # `note` is not compared
        assert Fast(fast.name + "!", fast.page) != fast
        assert fast != real  # another class: NotImplemented both ways, so unequal


def test_hash_is_the_hash_of_the_compared_fields():
    def body():
        class Point:
            """Hashable fields only."""

            x: int
            label: str = field(default="", compare=False)
            tags: tuple[str, ...] = ()

        return Point

    real, fast = dataclass(frozen=True)(body())(1, "a", ("t",)), frozen(body())(1, "b", ("t",))
    assert hash(fast) == hash(real) == hash((1, ("t",)))
    assert len({fast, dataclasses.replace(fast, label="c")}) == 1


def test_unhashable_field_raises_as_dataclasses_does():
    real, fast = list(_pairs())[1]
    with pytest.raises(TypeError):
        hash(real)
    with pytest.raises(TypeError):
        hash(fast)


def test_fields_are_frozen():
    fast = Fast("a")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
        fast.name = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'other'"):
        fast.other = 1  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'name'"):
        del fast.name  # type: ignore[misc]


def test_defaults_factories_signature_and_dataclass_helpers():
    one, two = Fast("a"), Fast("a")
    assert one.extra == {} and one.extra is not two.extra and one.late == [] and one.late is not two.late
    assert str(inspect.signature(Fast)) == str(inspect.signature(Real))
    assert Fast.__match_args__ == Real.__match_args__
    assert [f.name for f in dataclasses.fields(Fast)] == [f.name for f in dataclasses.fields(Real)]
    assert Fast.__dataclass_params__.frozen and Fast.__dataclass_params__.eq
    changed = dataclasses.replace(Fast("a", 1), page=2)
    assert (changed.name, changed.page) == ("a", 2)
    assert dataclasses.asdict(Fast("a", 1)) == dataclasses.asdict(Real("a", 1))
    with pytest.raises(TypeError):
        Fast()  # type: ignore[call-arg]


def test_pickle_and_copy_round_trip():
    value = Result(
        path="x.pdf",
        sha256=None,
        format="pdf",
        verdict="pass",
        score=0,
        axes={"origin": 0},
        reason="",
        findings=(),
        fields={},
        notes=(),
    )
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value and copy.copy(value) == value
    ev = Evidence("t", Location("body", 1, 2), reason={"a": 1})
    back = pickle.loads(pickle.dumps(ev))
    assert back == ev and back.reason == {"a": 1} and hash(back) == hash(ev)
    assert ev == dataclasses.replace(ev, reason={"b": 2})  # reason is not compared


def test_unsupported_shapes_are_refused_at_definition():
    class OwnEq:
        """Defines its own equality."""

        a: int

        def __eq__(self, other):
            return True

    with pytest.raises(TypeError, match="defines __eq__"):
        frozen(OwnEq)

    with pytest.raises(TypeError, match="subclass of a dataclass"):

        @frozen
        class Child(Fast):  # type: ignore[valid-type,misc]
            """Inherits fields."""

            more: int = 0


def test_mutable_matches_a_plain_dataclass():
    real, fast = dataclass(_body())("a", 1), mutable(_body())("a", 1)
    assert repr(fast).replace("Sample", "X") == repr(real).replace("Sample", "X")
    fast.page = 2
    assert fast.page == 2 and fast != dataclasses.replace(fast, page=3)
    assert type(fast).__hash__ is None and type(real).__hash__ is None
    assert not type(fast).__dataclass_params__.frozen
    assert str(inspect.signature(type(fast))) == str(inspect.signature(type(real)))


UNDOCUMENTED = """
import dataclasses, json, tokenize
from authcheck.util.records import frozen, mutable

def body():
    class Point:
        x: int
        label: str = "a"
    return body_class(Point)

for decorate in (frozen, mutable):
    body_class = decorate
    made = body()
compiled = tokenize._compile.cache_info().currsize  # before the reference dataclass below
body_class = dataclasses.dataclass(frozen=True)
reference = body()
print(json.dumps({"compiled": compiled, "doc": made.__doc__, "reference": reference.__doc__}))
"""


def test_an_undocumented_class_gets_the_dataclass_docstring_without_tokenizing():
    # dataclasses reads object.__init__'s signature for an undocumented class before @frozen/@mutable
    # give it an __init__: inspect tokenizes that signature, compiling tokenize's patterns (≈ 2-5 ms
    # of a first command: discover._Options)
    done = subprocess.run([sys.executable, "-c", UNDOCUMENTED], capture_output=True, text=True, check=True, timeout=60)
    seen = json.loads(done.stdout)
    assert seen["compiled"] == 0
    assert seen["doc"] == seen["reference"] == "Point(x: int, label: str = 'a')"


def _undecorated(cls: type) -> type:
    """A fresh class with the fields of a record class as its body had them (annotations, defaults, `field()`s)."""
    body: dict = {"__annotations__": dict(cls.__annotations__), "__doc__": cls.__doc__, "__module__": cls.__module__}
    for f in cls.__dataclass_fields__.values():
        options = {"init": f.init, "repr": f.repr, "hash": f.hash, "compare": f.compare, "metadata": f.metadata or None}
        if f.default_factory is not dataclasses.MISSING:
            body[f.name] = field(default_factory=f.default_factory, **options)
        elif options != {"init": True, "repr": True, "hash": None, "compare": True, "metadata": None}:
            body[f.name] = field(default=f.default, **options)
        elif f.default is not dataclasses.MISSING:
            body[f.name] = f.default
    return type(cls.__name__, (), body)


def _books(cls: type) -> dict:
    """Everything dataclasses' bookkeeping leaves on a class."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    slots = getattr(type(params), "__slots__", None) or tuple(vars(params))
    return {
        "params": {name: getattr(params, name) for name in slots},
        "fields": [
            (name, {slot: getattr(f, slot) for slot in dataclasses.Field.__slots__})
            for name, f in cls.__dataclass_fields__.items()  # type: ignore[attr-defined]
        ],
        "match_args": cls.__match_args__,  # type: ignore[attr-defined]
        "attributes": {name: cls.__dict__.get(name, "-") for name in cls.__annotations__},
        "public": [f.name for f in dataclasses.fields(cls)],
        "names": sorted(vars(cls)),  # what else dataclasses adds on a newer Python (3.13's __replace__, say)
    }


def _record_classes() -> list[type]:
    """Every @frozen/@mutable class of the package (their __init__ is compiled from generated source)."""
    import importlib
    import pkgutil

    import authcheck

    found = {}
    for info in pkgutil.walk_packages(authcheck.__path__, "authcheck."):
        if info.name.startswith(("authcheck.cli.server", "authcheck.__main__")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            init = getattr(value, "__init__", None)
            generated = getattr(getattr(init, "__code__", None), "co_filename", "") == "<string>"
            if isinstance(value, type) and "__dataclass_fields__" in vars(value) and generated:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_the_bookkeeping_is_dataclasses_own_for_every_record_class():
    """`_bookkeeping` writes what `dataclasses.dataclass(init=False, repr=False, eq=False)` writes, for
    the sample with every kind of field and for each record class of the package, rebuilt from its fields."""
    from authcheck.util import records

    classes = _record_classes()
    assert len(classes) >= 50  # the model, settings, loaders' and checks' records
    for make in [_body, *(lambda c=c: _undecorated(c) for c in classes)]:
        ours = records._bookkeeping(make())
        theirs = dataclasses.dataclass(init=False, repr=False, eq=False)(make())
        assert _books(ours) == _books(theirs), ours.__name__


@pytest.mark.parametrize(
    ("annotation", "default", "error"),
    [
        ("ClassVar[int]", 1, TypeError),
        ("dataclasses.InitVar[int]", None, TypeError),
        ("KW_ONLY", None, TypeError),
        ("int", field(default=1, kw_only=True), TypeError),
        ("list", [], ValueError),
    ],
)
def test_what_a_record_refuses_is_refused_at_definition(annotation, default, error):
    body = {"__annotations__": {"a": annotation}, "__doc__": "A record.", "a": default}
    if default is None:
        del body["a"]
    for decorate in (frozen, mutable):
        with pytest.raises(error):
            decorate(type("Refused", (), dict(body)))
