"""The one registry of every public keras-noise layer, with a small valid configuration each.

Cross-cutting tests (`test_registry_*.py`) run every case: serialization, identity at inference,
determinism, `tf.data`, mixed precision, XLA, MirroredStrategy, strength without retrace, export.
A new layer joins by adding a `LayerCase` to the `CASES` list of a module in `tests/cases/` (one
module per area; every module there is collected); `test_every_public_layer_is_registered` fails
until it does.
"""

from __future__ import annotations

import importlib
import pkgutil

import cases
from cases.base import LayerCase, uniform_floats

__all__ = ["CASES", "CASES_BY_KIND", "LayerCase", "params", "uniform_floats"]

CASES = [
    case
    for module in sorted(pkgutil.iter_modules(cases.__path__), key=lambda m: m.name)
    if module.name != "base"
    for case in importlib.import_module(f"cases.{module.name}").CASES
]

CASES_BY_KIND = {
    kind: [case for case in CASES if case.kind == kind]
    for kind in ("preprocessing", "in_model", "batch")
}


def params(cases=CASES):
    """`pytest.mark.parametrize` arguments with readable ids."""
    import pytest

    return pytest.mark.parametrize("case", cases, ids=[case.name for case in cases])
