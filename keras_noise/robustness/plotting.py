"""`plot`: robustness curves of several models, one panel per corruption or attack, in one PNG."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from keras_noise._validation import invalid_type, invalid_value
from keras_noise.robustness.results import RobustnessResult

__all__ = ["plot"]

_COLUMNS = 3
_LEGEND_COLUMNS = 5
_PANEL_SIZE = (4.0, 3.1)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _import_matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "keras_noise.robustness.plot() needs matplotlib, an optional dependency: "
            '`pip install "keras-noise[demo]"` (or `pip install matplotlib`).'
        ) from error
    return Figure, FigureCanvasAgg


def _check_results(results_by_model) -> dict[str, RobustnessResult]:
    if not isinstance(results_by_model, Mapping) or not results_by_model:
        raise invalid_value(
            "results_by_model",
            "a non-empty mapping of model names to RobustnessResult",
            results_by_model,
        )
    for name, result in results_by_model.items():
        if not isinstance(result, RobustnessResult):
            raise invalid_type(f"results_by_model[{name!r}]", "a RobustnessResult", result)
    metrics = {result.metric for result in results_by_model.values()}
    if len(metrics) > 1:
        raise invalid_value(
            "results_by_model",
            "results that share one metric",
            {name: result.metric for name, result in results_by_model.items()},
        )
    return {str(name): result for name, result in results_by_model.items()}


def plot(
    results_by_model: Mapping[str, RobustnessResult],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    dpi: int = 120,
) -> Path:
    r"""Writes one PNG of metric-versus-severity curves: a panel per corruption or attack.

    Each panel starts at severity 0 with the clean score, then follows the evaluated
    severities; each model is one line (same color and marker in every panel). Drawn with
    matplotlib's Agg canvas, without touching pyplot's global state.

    Args:
        results_by_model: `RobustnessResult`s by model name (the legend), e.g.
            ``{"baseline": r1, "FGSM training": r2}``; they must share one metric.
        path: the PNG file to write; its folder must exist.
        title: an optional title above the panels.
        dpi: the resolution.

    Returns:
        The path written, as a `pathlib.Path`.

    Raises:
        ImportError: if matplotlib is not installed (it comes with ``keras-noise[demo]``).
        ValueError: for an empty mapping or results with different metrics.
        TypeError: for values that are not `RobustnessResult`s.

    Example:
    >>> import tempfile, pathlib
    >>> from keras_noise.robustness import Curve, RobustnessResult, plot
    >>> curve = Curve("fgsm", "attack", "epsilon", (0.1, 0.2), (0.5, 0.25))
    >>> result = RobustnessResult("accuracy", 0.9, {"fgsm": curve}, num_examples=100)
    >>> out = plot({"model": result}, pathlib.Path(tempfile.mkdtemp()) / "robustness.png")
    >>> out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    True
    """
    figure_class, canvas_class = _import_matplotlib()
    results = _check_results(results_by_model)
    panels: dict[str, tuple[str, str]] = {}
    for result in results.values():
        for name, curve in result.curves.items():
            panels.setdefault(name, (curve.kind, curve.severity_name))
    metric = next(iter(results.values())).metric

    count = max(len(panels), 1)
    columns = min(_COLUMNS, count)
    rows = math.ceil(count / columns)
    figure = figure_class(figsize=(_PANEL_SIZE[0] * columns, _PANEL_SIZE[1] * rows + 0.6), dpi=dpi)
    canvas_class(figure)
    axes = figure.subplots(rows, columns, squeeze=False)
    all_values = [v for r in results.values() for v in (r.clean, *_values(r))]
    unit_range = all(0.0 <= v <= 1.0 for v in all_values if not math.isnan(v))
    colors = [f"C{i % 10}" for i in range(len(results))]

    for index, ax in enumerate(axes.flat):
        if index >= len(panels):
            ax.set_visible(False)
            continue
        name, (kind, severity_name) = list(panels.items())[index]
        for (label, result), color, marker in zip(
            results.items(), colors, _cycle(_MARKERS, len(results)), strict=True
        ):
            curve = result.curves.get(name)
            if curve is None:
                continue
            points = sorted(zip(curve.severities, curve.values, strict=True))
            xs = [0.0] + [s for s, _ in points]
            ys = [result.clean] + [v for _, v in points]
            ax.plot(xs, ys, marker=marker, color=color, label=label, linewidth=1.8, markersize=5)
        ax.set_title(f"{name.replace('_', ' ')} ({kind})", fontsize=11)
        ax.set_xlabel(severity_name)
        ax.set_ylabel(metric)
        if unit_range:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(True, alpha=0.3)
    if not panels:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, "no corruption or attack evaluated", ha="center")
    handles, labels = _legend_entries(axes)
    if handles:
        figure.legend(
            handles,
            labels,
            loc="lower center",
            ncol=min(len(labels), _LEGEND_COLUMNS),
            frameon=False,
            bbox_to_anchor=(0.5, 0.0),
        )
    if title:
        figure.suptitle(title, fontsize=13)
    legend_rows = math.ceil(len(labels) / _LEGEND_COLUMNS) if handles else 0
    bottom = (0.1 + 0.3 * legend_rows) / (_PANEL_SIZE[1] * rows + 0.6)
    figure.tight_layout(rect=(0, bottom, 1, 0.96 if title else 1))
    path = Path(path)
    figure.savefig(path, format="png")
    return path


def _values(result: RobustnessResult) -> list[float]:
    return [v for curve in result.curves.values() for v in curve.values]


def _cycle(items, count):
    return [items[i % len(items)] for i in range(count)]


def _legend_entries(axes):
    seen: dict[str, object] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen.keys())
