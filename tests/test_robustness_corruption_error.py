"""Corruption errors (CE, mCE, relative) against a baseline, and the summary plots."""

import struct

import numpy as np
import pytest

from keras_noise.robustness import (
    CertifiedAccuracy,
    Curve,
    RobustnessResult,
    calibration,
    corruption_errors,
    plot,
    plot_certified_accuracy,
    plot_corruption_errors,
    plot_reliability,
)


def result(clean, fog, snow, metric="accuracy", jitter=(0.5,)):
    curves = {
        "fog": Curve("fog", "corruption", "level", (1, 3, 5), fog),
        "snow": Curve("snow", "corruption", "level", (1, 3, 5), snow),
        "jitter": Curve("jitter", "corruption", "sigma", (0.3,), jitter),
        "fgsm": Curve("fgsm", "attack", "epsilon", (0.1,), (0.2,)),
    }
    return RobustnessResult(metric, clean, curves, num_examples=100)


def test_paper_definitions():
    base = result(0.9, (0.8, 0.6, 0.4), (0.9, 0.9, 0.9))
    model = result(0.95, (0.9, 0.8, 0.7), (0.85, 0.85, 0.85))
    errors = corruption_errors(model, base)
    assert list(errors.ce) == ["fog", "snow"]  # suite corruptions only, not jitter or attacks
    assert errors.ce["fog"] == pytest.approx((0.1 + 0.2 + 0.3) / (0.2 + 0.4 + 0.6))
    assert errors.ce["snow"] == pytest.approx(0.45 / 0.3)
    assert errors.mce == pytest.approx((0.5 + 1.5) / 2)
    # relative: added error (0.05 + 0.15 + 0.25) / (0.1 + 0.3 + 0.5); snow: the baseline adds none.
    assert errors.relative_ce["fog"] == pytest.approx(0.45 / 0.9)
    assert np.isnan(errors.relative_ce["snow"])
    assert errors.relative_mce == pytest.approx(0.5)
    assert corruption_errors(base, base).mce == pytest.approx(1.0)
    assert errors.to_dict()["relative_ce"]["snow"] is None
    table = model.to_markdown(baseline=base)
    assert "| corruption | CE | relative CE |" in table
    assert "| snow | 1.500 | n/a |" in table and "| **mean** | **1.000** | **0.500** |" in table


def test_errors_name_the_problem():
    base = result(0.9, (0.8, 0.6, 0.4), (0.9, 0.9, 0.9))
    with pytest.raises(ValueError, match=r"`result`: expected a result measured with an accuracy"):
        corruption_errors(result(0.9, (0.8, 0.6, 0.4), (0.9, 0.9, 0.9), metric="auc"), base)
    other = RobustnessResult(
        "accuracy", 0.9, {"fog": Curve("fog", "corruption", "level", (2,), (0.5,))}, num_examples=1
    )
    with pytest.raises(ValueError, match=r"`baseline`: expected a result with suite corruptions"):
        corruption_errors(other, base)


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plots_with_seed_bands_and_summaries(tmp_path):
    base = [
        result(0.9, (0.8, 0.6, 0.4), (0.9, 0.8, 0.7)),
        result(0.88, (0.8, 0.5, 0.4), (0.9, 0.8, 0.6)),
    ]
    noisy = [
        result(0.93, (0.9, 0.8, 0.7), (0.9, 0.85, 0.8)),
        result(0.94, (0.9, 0.7, 0.6), (0.9, 0.8, 0.8)),
    ]
    curves = plot({"baseline": base, "noisy": noisy}, tmp_path / "curves.png")
    assert _png_size(curves)[0] >= 800
    bars = plot_corruption_errors(
        {"baseline": base, "noisy": noisy}, "baseline", tmp_path / "ce.png"
    )
    assert _png_size(bars)[0] >= 600
    with pytest.raises(ValueError, match=r"`baseline`: expected one of the model names"):
        plot_corruption_errors({"noisy": noisy}, "baseline", tmp_path / "x.png")
    cal = calibration([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    assert _png_size(plot_reliability({"a": cal, "b": cal}, tmp_path / "rel.png"))[0] >= 500
    with pytest.raises(TypeError, match=r"`calibrations_by_model\['a'\]`"):
        plot_reliability({"a": 0.1}, tmp_path / "x.png")
    certified = [CertifiedAccuracy(0.25, (0.0, 0.5), (0.8, 0.3), 0.1, 10)] * 2
    assert _png_size(plot_certified_accuracy({"m": certified}, tmp_path / "c.png"))[0] >= 500
    with pytest.raises(TypeError, match=r"`results_by_model\['a'\]`: expected a RobustnessResult"):
        plot({"a": [0.5]}, tmp_path / "x.png")


def test_results_round_trip_with_ece_and_certified_curves():
    base = result(0.9, (0.8, 0.6, 0.4), (0.9, 0.8, 0.7))
    with_extras = RobustnessResult(
        base.metric,
        base.clean,
        base.curves,
        num_examples=100,
        ece={
            "clean": 0.05,
            **{name: dict.fromkeys(c.severities, 0.1) for name, c in base.curves.items()},
        },
    ).with_certified(CertifiedAccuracy(0.25, (0.0, 0.5), (0.8, 0.3), 0.1, 10))
    again = RobustnessResult.from_json(with_extras.to_json())
    assert again == with_extras
    assert again.certified.accuracy == (0.8, 0.3) and again.ece["fog"][3.0] == 0.1
