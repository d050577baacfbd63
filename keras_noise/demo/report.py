"""The demo's report: mean ± std over seeds per recipe, as a table, Markdown, JSON and a plot."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from keras_noise.robustness import Curve, RobustnessResult

SHORT_NAMES = {
    "gaussian_noise": "gauss σ",
    "salt_and_pepper": "s&p",
    "occlusion": "occl.",
    "feature_mask": "mask",
    "fgsm": "FGSM ε",
    "pgd": "PGD ε",
}


def columns(result: RobustnessResult) -> list[tuple[str, str, float | None]]:
    """The (label, curve name, severity) of every column, clean first."""
    cols: list[tuple[str, str, float | None]] = [("clean", "clean", None)]
    for name, curve in result.curves.items():
        label = SHORT_NAMES.get(name, name)
        cols += [(f"{label}={s:g}", name, s) for s in curve.severities]
    return cols


def value(result: RobustnessResult, name: str, severity: float | None) -> float:
    """The value of one column: the clean metric, or a curve's value at a severity."""
    return result.clean if severity is None else result[name][severity]


def mean_result(runs: Sequence[RobustnessResult]) -> RobustnessResult:
    """A result whose every value is the mean over `runs` (same perturbations and severities)."""
    first = runs[0]
    curves = {
        name: Curve(
            name,
            curve.kind,
            curve.severity_name,
            curve.severities,
            tuple(statistics.mean(run[name][s] for run in runs) for s in curve.severities),
        )
        for name, curve in first.curves.items()
    }
    clean = statistics.mean(run.clean for run in runs)
    return RobustnessResult(first.metric, clean, curves, num_examples=first.num_examples)


def summary(results: Mapping[str, Sequence[RobustnessResult]]) -> dict[str, dict[str, dict]]:
    """`{recipe: {column: {"mean": %, "std": %}}}` in accuracy points."""
    table = {}
    for recipe, runs in results.items():
        table[recipe] = {}
        for label, name, severity in columns(runs[0]):
            points = [100 * value(run, name, severity) for run in runs]
            spread = statistics.stdev(points) if len(points) > 1 else 0.0
            table[recipe][label] = {"mean": statistics.mean(points), "std": spread}
    return table


def markdown_table(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """The summary as a Markdown table of `mean ± std` accuracy (%)."""
    labels = list(next(iter(table.values())))
    lines = ["| recipe | " + " | ".join(labels) + " |", "|---" + "|---:" * len(labels) + "|"]
    for recipe, row in table.items():
        cells = [f"{row[label]['mean']:.1f} ± {row[label]['std']:.1f}" for label in labels]
        lines.append(f"| {recipe} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(
    out: Path,
    results: Mapping[str, Sequence[RobustnessResult]],
    *,
    settings: Mapping,
    descriptions: Mapping[str, str],
    checks: Sequence[str],
) -> dict[str, Path]:
    """Writes results.json, report.md and robustness.png into `out`; returns their paths."""
    from keras_noise.robustness import plot

    table = summary(results)
    paths = {
        "json": out / "results.json",
        "report": out / "report.md",
        "plot": out / "robustness.png",
    }
    paths["json"].write_text(
        json.dumps(
            {
                "settings": dict(settings),
                "summary": table,
                "runs": {r: [run.to_dict() for run in runs] for r, runs in results.items()},
            },
            indent=2,
        )
    )
    plot(
        {recipe: mean_result(runs) for recipe, runs in results.items()},
        paths["plot"],
        title=(
            f"Digits, {settings['train_size']} training examples, "
            f"mean of {settings['seeds']} seed(s)"
        ),
    )
    recipes = "\n".join(f"- `{name}`: {descriptions[name]}" for name in results)
    paths["report"].write_text(
        "# keras-noise demo\n\n"
        f"Test accuracy (%) on scikit-learn's digits, mean ± std over {settings['seeds']} seed(s); "
        f"{settings['train_size']} training examples, {settings['epochs']} epochs, "
        f"{settings['seconds']:.0f} s on this machine.\n\n"
        f"{markdown_table(table)}\n\n## Recipes\n\n{recipes}\n\n"
        "## What the run shows\n\n" + "\n".join(f"- {line}" for line in checks) + "\n\n"
        f"![robustness curves]({paths['plot'].name})\n"
    )
    return paths
