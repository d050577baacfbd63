"""Conventions the test suite itself relies on."""

import re
from pathlib import Path

# `MultiWorkerMirroredStrategy` runs only in worker subprocesses (tests/test_multi_worker.py).
_IN_PROCESS_STRATEGY = re.compile(r"(?<!MultiWorker)MirroredStrategy\(")


def test_tests_share_one_mirrored_strategy():
    """Two collective-op MirroredStrategy objects in one process reuse collective instance keys,
    and the first mismatch aborts every later collective of the process: all tests must use the
    session fixture `mirrored_strategy` from conftest.py. (Multi-worker strategies run in worker
    subprocesses of their own, outside the test process.)"""
    offenders = [
        path.name
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != Path(__file__).name and _IN_PROCESS_STRATEGY.search(path.read_text())
    ]
    assert offenders == []
