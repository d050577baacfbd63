"""Pytest plugin of the mutation check: applies the mutant named by `KERAS_NOISE_MUTANT`.

Loaded by `tools/mutants.py` as ``pytest -p mutant_plugin`` (with `tools/` on `PYTHONPATH`) in a
fresh process per mutant. At `pytest_configure` (after `tests/conftest.py` has set up the
devices, before any test module is imported) it imports every `keras_noise` module and patches
the mutant's targets, so test modules import the broken package. It writes a JSON report to
`KERAS_NOISE_MUTANT_REPORT`: whether the mutant was applied, any error of the mutant itself (a
target that no longer exists, a source snippet that no longer matches), and the failed tests.
"""

from __future__ import annotations

import json
import os

import pytest

_report: dict = {"applied": False, "error": None, "failed": []}


def _write_report() -> None:
    path = os.environ.get("KERAS_NOISE_MUTANT_REPORT")
    if path:
        with open(path, "w") as file:
            json.dump(_report, file)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Applies the mutant before any test module is imported."""
    import mutant_list

    name = os.environ.get("KERAS_NOISE_MUTANT")
    if not name:
        raise pytest.UsageError("mutant_plugin: set KERAS_NOISE_MUTANT to a mutant's name")
    try:
        mutant_list.apply(mutant_list.by_name(name))
    except mutant_list.MutantError as error:
        _report["error"] = str(error)
        _write_report()
        raise pytest.UsageError(f"mutant {name!r} cannot be applied: {error}") from error
    _report["applied"] = True
    _write_report()


def pytest_runtest_logreport(report):
    """Records each failed test (the tests that killed the mutant)."""
    if report.failed:
        _report["failed"].append(report.nodeid)
        _write_report()


def pytest_unconfigure(config):
    """Records errors that patches detected while the tests ran."""
    import mutant_list

    if mutant_list.RUNTIME_ERRORS:  # a patch found at run time that its target changed
        _report["error"] = "; ".join(mutant_list.RUNTIME_ERRORS)
    _write_report()
