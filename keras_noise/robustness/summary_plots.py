"""Summary figures: corruption errors per corruption, reliability diagrams, certified accuracy."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from keras_noise._validation import invalid_type, invalid_value
from keras_noise.robustness.calibration import Calibration
from keras_noise.robustness.corruption_error import corruption_errors
from keras_noise.robustness.plotting import (
    _check_results,
    mean_and_spread,
    new_figure,
    plot_mean_and_spread,
    save,
)
from keras_noise.robustness.results import CertifiedAccuracy, RobustnessResult

__all__ = ["plot_certified_accuracy", "plot_corruption_errors", "plot_reliability"]


def plot_corruption_errors(
    results_by_model: Mapping[str, RobustnessResult | Sequence[RobustnessResult]],
    baseline: str,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    dpi: int = 120,
) -> Path:
    r"""Writes a PNG of each model's corruption error (CE) per suite corruption, and its mCE.

    One horizontal bar group per corruption (plus "mCE"); 1.0 (the baseline) is marked. Models
    given as sequences of results (seeds) are compared seed by seed with the baseline's result
    of the same index; bars show the mean and error bars the standard deviation.

    Args:
        results_by_model: results by model name, including `baseline`.
        baseline: the name of the baseline model in `results_by_model`.
        path: the PNG file to write.
        title: an optional title.
        dpi: the resolution.

    Examples:
        >>> import tempfile, pathlib
        >>> from keras_noise.robustness import Curve, RobustnessResult, plot_corruption_errors
        >>> def result(fog):
        ...     curves = {"fog": Curve("fog", "corruption", "level", (1, 5), fog)}
        ...     return RobustnessResult("accuracy", 0.9, curves, num_examples=10)
        >>> out = plot_corruption_errors({"base": result((0.6, 0.4)), "noisy": result((0.8, 0.6))},
        ...                              "base", pathlib.Path(tempfile.mkdtemp()) / "ce.png")
        >>> out.read_bytes()[:4] == b"\x89PNG"
        True
    """
    results = _check_results(results_by_model)
    if baseline not in results:
        raise invalid_value("baseline", f"one of the model names {list(results)}", baseline)
    base_runs = results[baseline]
    table: dict[str, dict[str, tuple[float, float]]] = {}
    for label, runs in results.items():
        errors = [
            corruption_errors(run, base_runs[i % len(base_runs)]) for i, run in enumerate(runs)
        ]
        names = list(errors[0].ce)
        table[label] = {name: mean_and_spread([e.ce[name] for e in errors]) for name in names}
        table[label]["mCE"] = mean_and_spread([e.mce for e in errors])
    rows = list(next(iter(table.values())))
    figure, axes = new_figure(
        1, columns=1, panel_size=(7.5, 0.32 * len(rows) * len(table) ** 0.5 + 1.5), dpi=dpi
    )
    ax = axes[0, 0]
    height = 0.8 / len(table)
    for index, (label, values) in enumerate(table.items()):
        positions = [r + index * height for r in range(len(rows))]
        means = [values.get(name, (math.nan, 0.0))[0] for name in rows]
        spreads = [values.get(name, (math.nan, 0.0))[1] for name in rows]
        ax.barh(positions, means, height=height, xerr=spreads, label=label, color=f"C{index % 10}")
    ax.set_yticks([r + 0.4 - height / 2 for r in range(len(rows))])
    ax.set_yticklabels([name.replace("_", " ") for name in rows])
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xlabel(f"corruption error relative to {baseline} (lower is better)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return save(figure, path, title)


def plot_reliability(
    calibrations_by_model: Mapping[str, Calibration],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    dpi: int = 120,
) -> Path:
    r"""Writes a reliability diagram: accuracy versus confidence per bin, one panel per model.

    Bars are the accuracy of each confidence bin, the diagonal is perfect calibration, and the
    gap is shaded; the panel title gives the ECE. Empty bins are left blank.

    Examples:
        >>> import tempfile, pathlib
        >>> from keras_noise.robustness import calibration, plot_reliability
        >>> cal = calibration([0, 1, 1], [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], num_bins=5)
        >>> out = plot_reliability({"model": cal}, pathlib.Path(tempfile.mkdtemp()) / "rel.png")
        >>> out.read_bytes()[:4] == b"\x89PNG"
        True
    """
    if not isinstance(calibrations_by_model, Mapping) or not calibrations_by_model:
        raise invalid_value(
            "calibrations_by_model",
            "a non-empty mapping of names to Calibration",
            calibrations_by_model,
        )
    for name, value in calibrations_by_model.items():
        if not isinstance(value, Calibration):
            raise invalid_type(f"calibrations_by_model[{name!r}]", "a Calibration", value)
    figure, axes = new_figure(len(calibrations_by_model), columns=4, panel_size=(3.2, 3.2), dpi=dpi)
    for ax, (label, cal) in zip(axes.flat, calibrations_by_model.items(), strict=False):
        edges = cal.bin_edges
        width = edges[1] - edges[0]
        lefts = edges[:-1]
        filled = [i for i, c in enumerate(cal.bin_count) if c > 0]
        ax.bar(
            [lefts[i] for i in filled],
            [cal.bin_accuracy[i] for i in filled],
            width=width,
            align="edge",
            color="C0",
            edgecolor="white",
            label="accuracy",
        )
        ax.bar(
            [lefts[i] for i in filled],
            [cal.bin_confidence[i] - cal.bin_accuracy[i] for i in filled],
            bottom=[cal.bin_accuracy[i] for i in filled],
            width=width,
            align="edge",
            color="C3",
            alpha=0.3,
            label="gap",
        )
        ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=0.8)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(f"{label}\nECE {cal.ece:.3f}", fontsize=10)
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
    for ax in list(axes.flat)[len(calibrations_by_model) :]:
        ax.set_visible(False)
    return save(figure, path, title)


def plot_certified_accuracy(
    curves_by_model: Mapping[str, CertifiedAccuracy | Sequence[CertifiedAccuracy]],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    dpi: int = 120,
) -> Path:
    r"""Writes certified accuracy versus L2 radius, one line per model (mean and band over seeds).

    Curves of one model must share their radii.

    Examples:
        >>> import tempfile, pathlib
        >>> from keras_noise.robustness import CertifiedAccuracy, plot_certified_accuracy
        >>> curve = CertifiedAccuracy(0.25, (0.0, 0.5), (0.8, 0.3), 0.1, 100)
        >>> out = plot_certified_accuracy({"m": curve}, pathlib.Path(tempfile.mkdtemp()) / "c.png")
        >>> out.read_bytes()[:4] == b"\x89PNG"
        True
    """
    if not isinstance(curves_by_model, Mapping) or not curves_by_model:
        raise invalid_value(
            "curves_by_model", "a non-empty mapping of names to CertifiedAccuracy", curves_by_model
        )
    figure, axes = new_figure(1, columns=1, panel_size=(5.5, 3.8), dpi=dpi)
    ax = axes[0, 0]
    for index, (label, value) in enumerate(curves_by_model.items()):
        curves = list(value) if isinstance(value, Sequence) else [value]
        if not curves or not all(isinstance(c, CertifiedAccuracy) for c in curves):
            raise invalid_type(
                f"curves_by_model[{label!r}]", "a CertifiedAccuracy or a sequence of them", value
            )
        radii = curves[0].radii
        if any(c.radii != radii for c in curves):
            raise invalid_value(f"curves_by_model[{label!r}]", "curves with the same radii", value)
        points = [mean_and_spread([c.accuracy[i] for c in curves]) for i in range(len(radii))]
        color = f"C{index % 10}"
        legend = f"{label} (σ={curves[0].stddev:g})"
        plot_mean_and_spread(ax, radii, points, band=len(curves) > 1, color=color, label=legend)
    ax.set_xlabel("L2 radius")
    ax.set_ylabel("certified accuracy")
    ax.margins(x=0.02, y=0.08)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return save(figure, path, title)
