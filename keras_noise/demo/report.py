"""The demo's report: mean ± std over seeds per recipe, as tables, Markdown, JSON and plots."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from keras_noise.robustness import (
    Calibration,
    RobustnessResult,
    corruption_errors,
)

#: Columns where lower is better; every other column is an accuracy (higher is better).
LOWER_IS_BETTER = ("mCE", "rel. mCE", "ECE clean", "ECE σ=0.3", "mean ECE suite")
#: Curves drawn in the curves figure (the suite is summarized by its CE figure).
CURVES_PLOTTED = ("jitter", "salt_and_pepper", "occlusion", "fgsm", "pgd_linf", "pgd_l2")


def _point(result: RobustnessResult, name: str, severity: float) -> float | None:
    curve = result.curves.get(name)
    if curve is None or severity not in curve.severities:
        return None
    return result[name][severity]


def columns(result: RobustnessResult, baseline: RobustnessResult | None) -> dict[str, float]:
    """The report's numbers for one model (one seed), in percent; mCE needs the baseline."""
    row = {"clean": 100 * result.clean}
    for label, name, severity in (
        ("jitter σ=0.3", "jitter", 0.3),
        ("FGSM ε=0.1", "fgsm", 0.1),
        ("PGD∞ ε=0.1", "pgd_linf", 0.1),
        ("PGD2 ε=1", "pgd_l2", 1.0),
    ):
        value = _point(result, name, severity)
        if value is not None:
            row[label] = 100 * value
    if baseline is not None:
        errors = corruption_errors(result, baseline)
        row["mCE"] = 100 * errors.mce
        row["rel. mCE"] = 100 * errors.relative_mce
    if result.ece is not None:
        row["ECE clean"] = 100 * result.ece["clean"]
        if 0.3 in result.ece.get("jitter", {}):
            row["ECE σ=0.3"] = 100 * result.ece["jitter"][0.3]
        suite = [
            v
            for name, curve in result.curves.items()
            if curve.severity_name == "level"
            for v in result.ece[name].values()
        ]
        if suite:
            row["mean ECE suite"] = 100 * statistics.mean(suite)
    if result.certified is not None:
        for radius in (0.0, 0.25, 0.5):
            if radius in result.certified.radii:
                index = result.certified.radii.index(radius)
                row[f"cert. r={radius:g}"] = 100 * result.certified.accuracy[index]
    return row


def summary(results: Mapping[str, Sequence[RobustnessResult]]) -> dict[str, dict[str, dict]]:
    """`{recipe: {column: {"mean", "std"}}}` over seeds; seed i is compared with baseline seed i."""
    baselines = results.get("baseline")
    table = {}
    for recipe, runs in results.items():
        rows = [
            columns(run, None if baselines is None else baselines[i % len(baselines)])
            for i, run in enumerate(runs)
        ]
        table[recipe] = {}
        for label in rows[0]:
            values = [row[label] for row in rows if not math.isnan(row[label])]
            mean = statistics.mean(values) if values else math.nan
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            table[recipe][label] = {"mean": mean, "std": spread}
    return table


def corruption_table(results: Mapping[str, Sequence[RobustnessResult]]) -> str:
    """Mean CE (%) per suite corruption and recipe, against the baseline of the same seed."""
    baselines = results.get("baseline")
    if baselines is None:
        return ""
    per_recipe = {}
    for recipe, runs in results.items():
        errors = [
            corruption_errors(run, baselines[i % len(baselines)]) for i, run in enumerate(runs)
        ]
        names = list(errors[0].ce)
        per_recipe[recipe] = {
            name: statistics.mean([e.ce[name] for e in errors]) * 100 for name in names
        }
    names = list(next(iter(per_recipe.values())))
    lines = [
        "| recipe | " + " | ".join(n.replace("_", " ") for n in names) + " |",
        "|---" + "|---:" * len(names) + "|",
    ]
    for recipe, row in per_recipe.items():
        cells = ["n/a" if math.isnan(row[n]) else f"{row[n]:.0f}" for n in names]
        lines.append(f"| {recipe} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_table(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """The summary as a Markdown table of `mean ± std` (every column in percent)."""
    labels = list(dict.fromkeys(label for row in table.values() for label in row))
    lines = ["| recipe | " + " | ".join(labels) + " |", "|---" + "|---:" * len(labels) + "|"]
    for recipe, row in table.items():
        cells = [
            f"{row[label]['mean']:.1f} ± {row[label]['std']:.1f}" if label in row else "-"
            for label in labels
        ]
        lines.append(f"| {recipe} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def regressions(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> list[str]:
    """Where a recipe is worse than the baseline by more than the seeds' spread (and 0.5 points)."""
    if "baseline" not in table:
        return []
    base = table["baseline"]
    lines = []
    for recipe, row in table.items():
        if recipe == "baseline":
            continue
        for label, stats in row.items():
            if label not in base:
                continue
            difference = stats["mean"] - base[label]["mean"]
            worse = difference > 0 if label in LOWER_IS_BETTER else difference < 0
            margin = max(0.5, stats["std"], base[label]["std"])
            if worse and abs(difference) > margin:
                lines.append(
                    f"`{recipe}` is worse than the baseline on {label}: "
                    f"{stats['mean']:.1f} vs {base[label]['mean']:.1f}"
                )
    return lines


def write(
    out: Path,
    results: Mapping[str, Sequence[RobustnessResult]],
    *,
    settings: Mapping,
    descriptions: Mapping[str, str],
    checks: Sequence[str],
    calibrations: Mapping[str, Calibration] | None = None,
) -> dict[str, Path]:
    """Writes results.json, report.md and the figures into `out`; returns their paths."""
    from keras_noise.robustness import (
        plot,
        plot_certified_accuracy,
        plot_corruption_errors,
        plot_reliability,
    )

    table = summary(results)
    paths = {
        "json": out / "results.json",
        "report": out / "report.md",
        "plot": out / "robustness.png",
    }
    subtitle = (
        f"Digits, {settings['train_size']} training examples, mean ± std of "
        f"{settings['seeds']} seed(s)"
    )
    paths["json"].write_text(
        json.dumps(
            {
                "settings": dict(settings),
                "summary": table,
                "runs": {r: [run.to_dict() for run in runs] for r, runs in results.items()},
                "calibration": {r: c.to_dict() for r, c in (calibrations or {}).items()},
            },
            indent=2,
        )
    )
    curves = {
        recipe: [_only(run, CURVES_PLOTTED) for run in runs] for recipe, runs in results.items()
    }
    plot(curves, paths["plot"], title=subtitle)
    figures = [f"![robustness curves]({paths['plot'].name})"]
    if "baseline" in results and len(results) > 1:
        paths["ce"] = plot_corruption_errors(
            results, "baseline", out / "corruption_errors.png", title="Corruption error vs baseline"
        )
        figures.append(f"![corruption errors]({paths['ce'].name})")
    if calibrations:
        paths["reliability"] = plot_reliability(
            calibrations, out / "reliability.png", title="Clean test digits, all seeds pooled"
        )
        figures.append(f"![reliability diagrams]({paths['reliability'].name})")
    certified = {
        r: [run.certified for run in runs] for r, runs in results.items() if runs[0].certified
    }
    if certified:
        paths["certified"] = plot_certified_accuracy(
            certified, out / "certified_accuracy.png", title="Randomized smoothing"
        )
        figures.append(f"![certified accuracy]({paths['certified'].name})")
    recipes = "\n".join(f"- `{name}`: {descriptions[name]}" for name in results)
    worse = regressions(table)
    paths["report"].write_text(
        "# keras-noise demo\n\n"
        f"Scikit-learn's digits, mean ± std over {settings['seeds']} seed(s); "
        f"{settings['train_size']} training examples, {settings['epochs']} epochs, "
        f"{settings['seconds']:.0f} s on this machine. Accuracies, mCE and ECE in %; mCE is "
        "against the baseline of the same seed (100 = as many errors as the baseline).\n\n"
        f"{markdown_table(table)}\n\n## Corruption error per corruption (%, vs baseline)\n\n"
        f"{corruption_table(results)}\n\n## Recipes\n\n{recipes}\n\n"
        "## What the run shows\n\n"
        + "\n".join(f"- {line}" for line in [*checks, *worse])
        + "\n\n"
        + "\n\n".join(figures)
        + "\n"
    )
    return paths


def _only(result: RobustnessResult, names) -> RobustnessResult:
    curves = {name: curve for name, curve in result.curves.items() if name in names}
    return RobustnessResult(result.metric, result.clean, curves, num_examples=result.num_examples)
