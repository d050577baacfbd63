"""`plot`: robustness curves of several models, one panel per corruption or attack, in one PNG.

Also the shared pieces of every robustness figure (matplotlib import, result checks, saving).
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Mapping, Sequence
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


def _check_results(results_by_model) -> dict[str, list[RobustnessResult]]:
    """Validates a mapping of names to one result or a sequence of results (seeds)."""
    if not isinstance(results_by_model, Mapping) or not results_by_model:
        raise invalid_value(
            "results_by_model",
            "a non-empty mapping of model names to RobustnessResult (or sequences of them)",
            results_by_model,
        )
    checked: dict[str, list[RobustnessResult]] = {}
    for name, value in results_by_model.items():
        runs = (
            list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        )
        if not runs or not all(isinstance(run, RobustnessResult) for run in runs):
            raise invalid_type(
                f"results_by_model[{name!r}]",
                "a RobustnessResult or a non-empty sequence of them",
                value,
            )
        checked[str(name)] = runs
    metrics = {run.metric for runs in checked.values() for run in runs}
    if len(metrics) > 1:
        raise invalid_value(
            "results_by_model",
            "results that share one metric",
            {name: sorted({run.metric for run in runs}) for name, runs in checked.items()},
        )
    return checked


def new_figure(panels: int, *, columns: int = _COLUMNS, panel_size=_PANEL_SIZE, dpi: int = 120):
    """A matplotlib Figure on an Agg canvas (pyplot untouched) and its axes grid."""
    figure_class, canvas_class = _import_matplotlib()
    count = max(panels, 1)
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    figure = figure_class(figsize=(panel_size[0] * columns, panel_size[1] * rows + 0.6), dpi=dpi)
    canvas_class(figure)
    return figure, figure.subplots(rows, columns, squeeze=False)


def mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the sample standard deviation (0 for one value) of finite values."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan, 0.0
    spread = statistics.stdev(finite) if len(finite) > 1 else 0.0
    return statistics.mean(finite), spread


def plot_mean_and_spread(ax, xs, points, *, band: bool, color, **line) -> None:
    """A line through the means of `points` (`(mean, spread)` pairs, one per x) on `ax`.

    With `band`, also a translucent band of one spread either side (the runs' spread).
    """
    ax.plot(xs, [m for m, _ in points], color=color, **line)
    if band:
        ax.fill_between(
            xs,
            [m - s for m, s in points],
            [m + s for m, s in points],
            color=color,
            alpha=0.15,
            linewidth=0,
        )


def save(figure, path, title: str | None, *, bottom: float = 0.0) -> Path:
    """Adds the title, lays out and writes the PNG; returns the path."""
    if title:
        figure.suptitle(title, fontsize=13)
    figure.tight_layout(rect=(0, bottom, 1, 0.96 if title else 1))
    path = Path(path)
    figure.savefig(path, format="png")
    return path


def plot(
    results_by_model: Mapping[str, RobustnessResult],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    dpi: int = 120,
) -> Path:
    r"""Writes one PNG of metric-versus-severity curves: a panel per corruption or attack.

    Each panel starts at severity 0 with the clean score, then follows the evaluated
    severities; each model is one line (same color and marker in every panel). A model given
    several results (one per seed) is drawn as their mean with a band of +- one standard
    deviation. The y axes follow the data (not 0-1), so close models stay distinguishable.
    Drawn with matplotlib's Agg canvas, without touching pyplot's global state.

    Args:
        results_by_model: `RobustnessResult`s (or sequences of them, one per seed) by model
            name (the legend), e.g. ``{"baseline": r1, "FGSM training": [r2, r3]}``; they must
            share one metric; the first result of each model decides its panels.
        path: the PNG file to write; its folder must exist.
        title: an optional title above the panels.
        dpi: the resolution.

    Returns:
        The path written, as a `pathlib.Path`.

    Raises:
        ImportError: if matplotlib is not installed (it comes with ``keras-noise[demo]``).
        ValueError: for an empty mapping or results with different metrics.
        TypeError: for values that are not `RobustnessResult`s.

    Examples:
        >>> import tempfile, pathlib
        >>> from keras_noise.robustness import Curve, RobustnessResult, plot
        >>> curve = Curve("fgsm", "attack", "epsilon", (0.1, 0.2), (0.5, 0.25))
        >>> result = RobustnessResult("accuracy", 0.9, {"fgsm": curve}, num_examples=100)
        >>> out = plot({"model": result}, pathlib.Path(tempfile.mkdtemp()) / "robustness.png")
        >>> out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        True
    """
    results = _check_results(results_by_model)
    panels: dict[str, tuple[str, str]] = {}
    for runs in results.values():
        for name, curve in runs[0].curves.items():
            panels.setdefault(name, (curve.kind, curve.severity_name))
    metric = next(iter(results.values()))[0].metric
    figure, axes = new_figure(len(panels), dpi=dpi)
    rows = axes.shape[0]
    colors = [f"C{i % 10}" for i in range(len(results))]

    for index, ax in enumerate(axes.flat):
        if index >= len(panels):
            ax.set_visible(False)
            continue
        name, (kind, severity_name) = list(panels.items())[index]
        for (label, runs), color, marker in zip(
            results.items(), colors, _cycle(_MARKERS, len(results)), strict=True
        ):
            curve = runs[0].curves.get(name)
            if curve is None:
                continue
            xs = [0.0, *curve.severities]
            points = [
                mean_and_spread(
                    [run.clean if i == 0 else run.curves[name].values[i - 1] for run in runs]
                )
                for i in range(len(xs))
            ]
            plot_mean_and_spread(
                ax,
                xs,
                points,
                band=len(runs) > 1,
                marker=marker,
                color=color,
                label=label,
                linewidth=1.8,
                markersize=5,
            )
        ax.set_title(f"{name.replace('_', ' ')} ({kind})", fontsize=11)
        ax.set_xlabel(severity_name)
        ax.set_ylabel(metric)
        ax.margins(x=0.03, y=0.08)  # axes follow the data, so close recipes stay apart
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
    legend_rows = math.ceil(len(labels) / _LEGEND_COLUMNS) if handles else 0
    bottom = (0.1 + 0.3 * legend_rows) / (_PANEL_SIZE[1] * rows + 0.6)
    return save(figure, path, title, bottom=bottom)


def _cycle(items, count):
    return [items[i % len(items)] for i in range(count)]


def _legend_entries(axes):
    seen: dict[str, object] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen.keys())
