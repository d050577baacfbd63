"""Test session set-up: quiet TensorFlow, two logical CPU devices for MirroredStrategy tests.

Also: Hypothesis profiles (derandomized in CI, its files outside the working tree) and, in CI, a
failure for any test skipped because an optional package is missing (`make test` installs the
`test` extra, so such a skip means the environment is wrong, not that the test does not apply).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

# Hypothesis writes its example database (and caches) here, never into the working tree.
set_hypothesis_home_dir(
    os.environ.get("KERAS_NOISE_HYPOTHESIS_DIR")
    or str(Path(tempfile.gettempdir()) / "keras-noise-hypothesis")
)
# CI: the same examples every run (a failure recurs on re-run), no database at all.
settings.register_profile(
    "ci", derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Must happen before TensorFlow initializes its devices, i.e. before any test runs an op.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
keras.config.disable_interactive_logging()


@pytest.fixture
def dtype_policy():
    """Sets a global Keras dtype policy for one test and restores float32 afterwards."""
    previous = keras.config.dtype_policy()

    def set_policy(name):
        keras.config.set_dtype_policy(name)

    yield set_policy
    keras.config.set_dtype_policy(previous)


@pytest.fixture(scope="session")
def mirrored_strategy():
    """A MirroredStrategy over the two logical CPUs, shared by the tests of the session.

    Its gradients are summed with `ReductionToOneDevice`, not with collective ops: two
    collective-op strategies in one process reuse collective keys, so the second one's all-reduce
    fails ("Shape mismatch in the collective instance") and aborts every later collective of the
    process. Replicas, replica contexts and mirrored variables are the same as with the default.
    """
    return tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice()
    )


_MISSING_PACKAGE_MARKERS = ("could not import", "No module named")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI, a skip because a package is missing is a failure (the `test` extra provides it)."""
    outcome = yield
    report = outcome.get_result()
    if not os.environ.get("CI") or not report.skipped:
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if any(marker in reason for marker in _MISSING_PACKAGE_MARKERS):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI for a missing package ({reason}); install the test extra"
