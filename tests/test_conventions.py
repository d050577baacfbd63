"""Conventions the test suite itself relies on."""

from pathlib import Path


def test_tests_share_one_mirrored_strategy():
    """Two collective-op MirroredStrategy objects in one process reuse collective instance keys,
    and the first mismatch aborts every later collective of the process: all tests must use the
    session fixture `mirrored_strategy` from conftest.py."""
    offenders = [
        path.name
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != Path(__file__).name and "MirroredStrategy(" in path.read_text()
    ]
    assert offenders == []
