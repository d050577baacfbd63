"""`SweepResult`: a strength sweep's scores per value, the best value, and its exports."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

from keras_noise.tuning.halving import keep_best

__all__ = ["SweepResult"]


@dataclasses.dataclass
class SweepResult:
    """What `keras_noise.tuning.sweep` measured.

    Attributes:
        metric: the metric compared, e.g. "val_accuracy".
        mode: "max" or "min": whether a larger metric is better.
        strengths: the strengths the sweep moved, e.g. ``["jitter/stddev"]``.
        seeds: the seeds every value was trained with.
        epochs: the epochs of a full run.
        budget: "full" or "halving".
        corruption: the ``(name, severity)`` applied to the validation inputs, or None.
        results: one dict per value, in the order given: ``{"value", "mean", "std",
            "per_seed", "epochs"}``; `mean` and `std` (sample standard deviation, 0 for one
            seed) are over `per_seed`, the metric at the end of each seed's run; `epochs` is how
            far the value was trained (under halving, values dropped early trained less).
        epochs_spent: the epochs trained in total, over every value and seed.

    Examples:
        >>> result = SweepResult("val_accuracy", "max", ["jitter/stddev"], [0], 10, "full", None,
        ...     [{"value": 0.0, "mean": 0.8, "std": 0.0, "per_seed": [0.8], "epochs": 10},
        ...      {"value": 0.1, "mean": 0.9, "std": 0.0, "per_seed": [0.9], "epochs": 10}], 20)
        >>> result.best_value
        0.1
        >>> SweepResult.from_json(result.to_json()) == result
        True
    """

    metric: str
    mode: str
    strengths: list[str]
    seeds: list[int]
    epochs: int
    budget: str
    corruption: list | None
    results: list[dict[str, Any]]
    epochs_spent: int

    @property
    def best(self) -> dict[str, Any]:
        """The result of the best value among those trained the longest."""
        longest = max(r["epochs"] for r in self.results)
        finalists = [r for r in self.results if r["epochs"] == longest]
        return finalists[keep_best([r["mean"] for r in finalists], 1, self.mode)[0]]

    @property
    def best_value(self) -> float:
        """The strength with the best mean metric (under halving: the last one left)."""
        return self.best["value"]

    @property
    def epochs_full(self) -> int:
        """The epochs a full sweep of these values and seeds trains (for comparison)."""
        return len(self.results) * len(self.seeds) * self.epochs

    # ----------------------------------------------------------------------------- exports
    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python data (JSON-ready), with `best_value` added."""
        return {**dataclasses.asdict(self), "best_value": self.best_value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepResult:
        """The inverse of `to_dict`."""
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in fields})

    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict` as a JSON string (NaN for a diverged run is written as NaN)."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> SweepResult:
        """The inverse of `to_json`."""
        return cls.from_dict(json.loads(text))

    def summary(self) -> str:
        """One line: what was swept, the best value and the epochs spent."""
        share = self.epochs_spent / self.epochs_full
        corruption = ""
        if self.corruption is not None:
            corruption = f" on validation data corrupted by {self.corruption[0]} "
            corruption += f"(severity {self.corruption[1]:g})"
        return (
            f"Sweep of {', '.join(self.strengths)} by {self.metric} ({self.mode}){corruption}, "
            f"{len(self.seeds)} seed(s), budget {self.budget!r}: best value "
            f"{self.best_value:g}; {self.epochs_spent} epochs trained "
            f"({100 * share:.0f}% of a full sweep's {self.epochs_full})."
        )

    def to_markdown(self) -> str:
        """A Markdown table of every value (the best in bold), after the `summary` line.

        Examples:
            >>> row = {"value": 0.0, "mean": 0.5, "std": 0.1, "per_seed": [0.4, 0.6], "epochs": 4}
            >>> result = SweepResult("val_loss", "min", ["j/stddev"], [0, 1], 4, "full", None,
            ...     [row], 8)
            >>> print(result.to_markdown().splitlines()[-1])
            | **0** | **0.5000** | 0.1000 | 0.4000, 0.6000 | 4 |
        """
        lines = [
            self.summary(),
            "",
            f"| value | mean {self.metric} | std | per seed | epochs |",
            "|---:|---:|---:|---|---:|",
        ]
        best = self.best
        for result in self.results:
            value, mean = f"{result['value']:g}", f"{result['mean']:.4f}"
            if result is best:
                value, mean = f"**{value}**", f"**{mean}**"
            per_seed = ", ".join(f"{score:.4f}" for score in result["per_seed"])
            lines.append(
                f"| {value} | {mean} | {result['std']:.4f} | {per_seed} | {result['epochs']} |"
            )
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike, *, title: str | None = None, dpi: int = 120) -> Path:
        """Writes a PNG of the metric versus the strength, with a band of ± one std over seeds.

        Each seed's score is a dot; the best value is a star. Under halving, values dropped
        early are drawn hollow and labelled with the epochs they trained.

        Args:
            path: the PNG file to write (its folder must exist).
            title: the plot's title (default: the strengths swept and the budget).
            dpi: the resolution.

        Returns:
            The path written.
        """
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as error:
            raise ImportError(
                "SweepResult.plot() needs matplotlib, an optional dependency: "
                '`pip install "keras-noise[demo]"` (or `pip install matplotlib`).'
            ) from error
        path = Path(path)
        results = sorted(self.results, key=lambda r: r["value"])
        longest = max(r["epochs"] for r in results)
        full = [r for r in results if r["epochs"] == longest]
        figure = Figure(figsize=(5.5, 3.8))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        values = [r["value"] for r in results]
        means = [r["mean"] for r in results]
        stds = [r["std"] for r in results]
        axes.fill_between(
            values,
            [m - s for m, s in zip(means, stds, strict=True)],
            [m + s for m, s in zip(means, stds, strict=True)],
            alpha=0.2,
            label="± 1 std over seeds" if len(self.seeds) > 1 else None,
        )
        axes.plot(values, means, "-", color="C0", label=f"mean over {len(self.seeds)} seed(s)")
        for result in results:
            hollow = result["epochs"] < longest
            axes.plot(
                [result["value"]] * len(result["per_seed"]),
                result["per_seed"],
                ".",
                color="C0",
                alpha=0.5,
            )
            axes.plot(
                result["value"],
                result["mean"],
                "o",
                color="C0",
                markerfacecolor="white" if hollow else "C0",
            )
            if hollow:
                axes.annotate(
                    f"{result['epochs']} ep",
                    (result["value"], result["mean"]),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=7,
                )
        best = self.best
        axes.plot(best["value"], best["mean"], "*", color="C3", markersize=14, label="best")
        axes.set_xlabel(", ".join(self.strengths))
        axes.set_ylabel(self.metric)
        default = f"{self.budget} sweep, {longest} epochs"
        if len(full) < len(results):
            default += f" for the last {len(full)}"
        axes.set_title(title or default, fontsize=10)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
        if any(math.isnan(m) for m in means):
            axes.set_title((title or default) + " (NaN runs not drawn)", fontsize=10)
        figure.tight_layout()
        figure.savefig(path, dpi=dpi)
        return path
