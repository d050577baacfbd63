"""The machinery of the mutation check: a mutant is a few named patches of `keras_noise`.

A patch names its target as ``"module.path:Attribute.path"`` and is one of:

* `Source`: the target's source with one snippet replaced (the snippet must occur exactly once),
  recompiled in the target module's namespace: a one-token change such as removing a `tf.round`;
* `Replace`: a function of the original object returning its replacement (e.g. a method that
  returns its input unchanged).

Every failure to apply is a `MutantError`, never a silent no-op: a target that no longer exists
(renamed or moved by a refactoring), a snippet that no longer matches. The mutation check counts
it as an error, not as a killed mutant, so that the list is updated when the code moves.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import sys
import textwrap
from collections.abc import Callable
from typing import Any

#: Errors that patches detect while the tests run (reported by the plugin as mutant errors).
RUNTIME_ERRORS: list[str] = []


class MutantError(RuntimeError):
    """A mutant that cannot be applied as written: its target or snippet moved."""


@dataclasses.dataclass(frozen=True)
class Source:
    """Replace `old` (exactly one occurrence) with `new` in the source of `target`."""

    target: str
    old: str
    new: str


@dataclasses.dataclass(frozen=True)
class Replace:
    """Replace `target` by `make(original)`.

    For a static or class method, `original` is the underlying function and the result is
    wrapped again.
    """

    target: str
    make: Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One broken behaviour and the tests that must notice it.

    Attributes:
        name: a short id (`make mutants ARGS="--only NAME"`).
        what: the behaviour the mutant breaks, in words.
        patches: the `Source`/`Replace` patches that make the mutant.
        tests: pytest arguments selecting the tests that must fail (files, node ids, `-k`).
    """

    name: str
    what: str
    patches: tuple
    tests: tuple[str, ...]


def runtime_error(message: str) -> None:
    """Records and raises an error that a patch detects while running (its target changed)."""
    RUNTIME_ERRORS.append(message)
    raise MutantError(message)


def _resolve(target: str) -> tuple[Any, str, Any, Any]:
    """`(owner, attribute, static_value, module)` of a ``"module:Attr.path"`` target."""
    module_name, _, path = target.partition(":")
    if not path:
        raise MutantError(f"target {target!r} is not of the form 'module.path:Attribute.path'")
    try:
        owner = module = importlib.import_module(module_name)
    except ImportError as error:
        raise MutantError(f"target module {module_name!r} does not exist ({error})") from error
    *parents, attribute = path.split(".")
    for part in parents:
        if not hasattr(owner, part):
            raise MutantError(f"target {target!r}: {owner!r} has no attribute {part!r}")
        owner = getattr(owner, part)
    try:
        value = inspect.getattr_static(owner, attribute)
    except AttributeError as error:
        raise MutantError(f"target {target!r} does not exist") from error
    return owner, attribute, value, module


def _unwrap(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """The function inside a static/class method, and how to wrap a replacement the same way."""
    if isinstance(value, staticmethod):
        return value.__func__, staticmethod
    if isinstance(value, classmethod):
        return value.__func__, classmethod
    return value, lambda function: function


def _source_replacement(patch: Source, owner: Any, function: Any, module) -> Any:
    function = inspect.unwrap(getattr(function, "python_function", function))
    source = textwrap.dedent(inspect.getsource(function))
    count = source.count(patch.old)
    if count != 1:
        raise MutantError(
            f"target {patch.target!r}: the snippet {patch.old!r} occurs {count} times in its "
            "source, expected exactly once"
        )
    source = source.replace(patch.old, patch.new)
    if inspect.isclass(owner):  # zero-argument super() needs the class cell of the class body
        source = source.replace("super()", f"super({owner.__name__}, self)")
    namespace: dict = {}
    exec(compile(source, f"<mutant of {patch.target}>", "exec"), vars(module), namespace)
    return namespace[function.__name__]


def _install(owner: Any, attribute: str, original: Any, replacement: Any) -> None:
    """Sets the attribute, and rebinds every `from module import name` copy in the package.

    Modules imported later read the patched attribute themselves; only those already imported
    hold a copy of the original.
    """
    setattr(owner, attribute, replacement)
    if inspect.isclass(owner):
        return
    for name, module in list(sys.modules.items()):
        if not (name == "keras_noise" or name.startswith("keras_noise.")):
            continue
        for key, value in list(vars(module).items()):
            if value is original:
                setattr(module, key, replacement)


def apply(mutant: Mutant) -> None:
    """Applies every patch of `mutant`; raises `MutantError` if one cannot be applied."""
    importlib.import_module("keras_noise")
    for patch in mutant.patches:
        owner, attribute, static_value, module = _resolve(patch.target)
        function, wrap = _unwrap(static_value)
        if isinstance(patch, Source):
            replacement = _source_replacement(patch, owner, function, module)
            if isinstance(replacement, (staticmethod, classmethod)):
                replacement = replacement.__func__
        else:
            replacement = patch.make(function)
        _install(owner, attribute, static_value, wrap(replacement))
