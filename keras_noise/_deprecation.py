"""Deprecated names that still work: renamed keyword arguments and renamed classes.

The 0.2.0 vocabulary renamed some constructor arguments (see CHANGELOG.md). An old keyword still
works where that costs nothing: `renamed_arguments` maps it to its new name with a
`DeprecationWarning`, so code and saved configs (`from_config` passes config keys as keywords)
written for 0.1 keep working. Giving both the old and the new name is an error naming both.
Positional arguments cannot be aliased this way.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any


def warn_renamed(old: str, new: str, owner: str) -> None:
    """Warns (`DeprecationWarning`) that `old` of `owner` is now called `new`."""
    warnings.warn(
        f"`{old}` of {owner} is deprecated and will be removed; use `{new}` (renamed in "
        "keras-noise 0.2.0, see CHANGELOG.md).",
        DeprecationWarning,
        stacklevel=3,
    )


def renamed_arguments(**renames: str | tuple[str, Callable[[Any], Any]]) -> Callable:
    """Decorates a constructor so that old keyword names still work, with a warning.

    Args:
        **renames: old name -> new name, or old name -> `(new name, convert)` where `convert`
            maps an old value to the new argument's value (and raises, naming the old argument,
            for an old value with no exact new equivalent).

    Returns:
        A decorator. The decorated function keeps the signature of the original (for
        `inspect.signature` and for Keras, which reads it to record constructor arguments).

    Examples:
        >>> import warnings
        >>> class Layer:
        ...     @renamed_arguments(rate="probability")
        ...     def __init__(self, probability=1.0):
        ...         self.probability = probability
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     Layer(rate=0.5).probability, caught[0].category.__name__
        (0.5, 'DeprecationWarning')
        >>> Layer(0.3, rate=0.5)
        Traceback (most recent call last):
        ...
        ValueError: Invalid arguments for Layer: `rate` is the deprecated name of `probability`; ...
    """

    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)
        names = list(signature.parameters)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for old, rename in renames.items():
                if old not in kwargs:
                    continue
                new, convert = rename if isinstance(rename, tuple) else (rename, None)
                owner = type(args[0]).__name__ if args else function.__qualname__
                positional = dict(zip(names, args, strict=False))
                if new in kwargs or new in positional:
                    given = kwargs[new] if new in kwargs else positional[new]
                    raise ValueError(
                        f"Invalid arguments for {owner}: `{old}` is the deprecated name of "
                        f"`{new}`; pass only `{new}`. Received: {old}={kwargs[old]!r} and "
                        f"{new}={given!r}"
                    )
                warn_renamed(old, new, owner)
                value = kwargs.pop(old)
                kwargs[new] = value if convert is None else convert(value)
            return function(*args, **kwargs)

        wrapper.__signature__ = signature
        return wrapper

    return decorate


def deprecated_alias(cls: type, old_name: str) -> type:
    """A subclass of `cls` named `old_name` whose constructor warns (`DeprecationWarning`).

    Register the alias with Keras under `old_name` so that configs saved with the old class name
    still load. The alias records the class it stands for in `deprecated_alias_of`, so tests that
    enumerate public layers list it as deprecated rather than as a layer of its own.

    Examples:
        >>> import warnings
        >>> class New:
        ...     def __init__(self, value=1):
        ...         self.value = value
        >>> Old = deprecated_alias(New, "Old")
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     isinstance(Old(value=2), New), str(caught[0].message)[:34]
        (True, '`Old` is deprecated; use `New` (re')
    """

    def __init__(self, *args, **kwargs):  # noqa: N807 (the alias's constructor)
        warnings.warn(
            f"`{old_name}` is deprecated; use `{cls.__name__}` (renamed in keras-noise 0.2.0, "
            "see CHANGELOG.md).",
            DeprecationWarning,
            stacklevel=2,
        )
        cls.__init__(self, *args, **kwargs)

    __init__.__signature__ = inspect.signature(cls.__init__)
    doc = (
        f"Deprecated alias of `{cls.__name__}` (renamed in 0.2.0); constructing it warns. "
        f"Configs saved under the old name `{old_name}` still load."
    )
    namespace = {
        "__init__": __init__,
        "__doc__": doc,
        "__module__": cls.__module__,
        "__qualname__": old_name,
        "deprecated_alias_of": cls,
    }
    return type(cls)(old_name, (cls,), namespace)
