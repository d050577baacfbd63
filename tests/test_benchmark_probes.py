"""The profiling probes in benchmarks/probes run, and the draws they compare are what they claim."""

import numpy as np
import pytest
import tensorflow as tf

from benchmarks.probes import fused_kernel_cost, xla_normal_cost


@pytest.mark.parametrize("probe", [fused_kernel_cost, xla_normal_cost], ids=lambda m: m.__name__)
def test_probe_runs_and_prints_every_variant(probe, monkeypatch, capsys):
    monkeypatch.setattr(probe, "SHAPE", (2, 8, 8, 64))  # 4,096 entries an example: fused
    probe.main(["--rounds", "1"])
    out = capsys.readouterr().out
    assert all(f"  {name} " in out for name in probe.CALLS)


@pytest.mark.parametrize(
    "name",
    [
        "table 2**14, 2 gathers",
        "table 2**8, 2 gathers",
        "nearest of 2**14, 1 gather",
        "erfinv polynomials",
    ],
)
def test_every_normal_variant_of_the_xla_probe_draws_a_standard_normal(name):
    """Each variant adds 0.1 * z to x: on x = 0 the draws z must be N(0, 1)."""
    call = tf.function(xla_normal_cost.CALLS[name], jit_compile=True, autograph=False)
    z = call(tf.zeros((1 << 20,))).numpy().astype(np.float64) / 0.1
    assert abs(z.mean()) < 5e-3 and abs(z.var() - 1.0) < 1e-2
    # The 97.5% quantile (1.95996...): the table of 2**8 segments is the coarsest.
    assert abs(np.quantile(z, 0.975) - 1.959964) < 1e-2
