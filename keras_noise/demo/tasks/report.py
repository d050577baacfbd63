"""A demo task's report: mean ± std over seeds, verdicts against the baseline, JSON and plots."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from keras_noise.demo.tasks.base import Experiment, Task
from keras_noise.robustness import RobustnessResult

CORRUPTED_MEAN = "corrupted mean"
Table = Mapping[str, Mapping[str, Mapping[str, float]]]


def _columns(experiment: Experiment) -> list[tuple[str, str | None, float | None]]:
    cols: list[tuple[str, str | None, float | None]] = [("clean", None, None)]
    for corruption in experiment.corruptions:
        cols += [
            (experiment.column(corruption.name, s), corruption.name, s)
            for s in corruption.severities
        ]
    return cols


def _run_values(experiment: Experiment, run: RobustnessResult) -> dict[str, float]:
    """One run's columns in points (x100): clean, every corruption, and their mean."""
    values = {
        label: 100 * (run.clean if name is None else run[name][severity])
        for label, name, severity in _columns(experiment)
    }
    corrupted = [value for label, value in values.items() if label != "clean"]
    if corrupted:
        values[CORRUPTED_MEAN] = statistics.mean(corrupted)
    return values


def summary(experiment: Experiment, runs: Mapping[str, Sequence[RobustnessResult]]) -> dict:
    """`{recipe: {column: {"mean", "std"}}}` in points (accuracy or R², x100).

    The standard deviation is over seeds (0.0 for a single seed).
    """
    table = {}
    for recipe, results in runs.items():
        per_run = [_run_values(experiment, result) for result in results]
        table[recipe] = {
            label: {
                "mean": statistics.mean(run[label] for run in per_run),
                "std": statistics.stdev(run[label] for run in per_run) if len(per_run) > 1 else 0.0,
            }
            for label in per_run[0]
        }
    return table


def markdown_table(table: Table) -> str:
    """The summary as a Markdown table of `mean ± std`.

    Examples:
        >>> print(markdown_table({"baseline": {"clean": {"mean": 90.0, "std": 1.25}}}))
        | recipe | clean |
        |---|---:|
        | baseline | 90.0 ± 1.2 |
    """
    labels = list(next(iter(table.values())))
    lines = ["| recipe | " + " | ".join(labels) + " |", "|---" + "|---:" * len(labels) + "|"]
    for recipe, row in table.items():
        cells = [f"{row[label]['mean']:.1f} ± {row[label]['std']:.1f}" for label in labels]
        lines.append(f"| {recipe} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compare(
    experiment: Experiment,
    runs: Mapping[str, Sequence[RobustnessResult]],
    recipe: str,
    column: str,
    *,
    reference: str = "baseline",
) -> str:
    """`recipe` against `reference` in one column, seed by seed (same split, same corruption).

    Returns the mean ± std over seeds of the paired difference in points, and whether the
    recipe was better on every seed, worse on every seed, the same, or mixed.

    Examples:
        >>> import dataclasses
        >>> from keras_noise.demo.tasks import load_task
        >>> experiment = load_task("text").experiments[0]
        >>> def run(clean):
        ...     return RobustnessResult("accuracy", clean, {}, num_examples=10)
        >>> runs = {"baseline": [run(0.8), run(0.9)], "noise": [run(0.85), run(0.92)]}
        >>> experiment = dataclasses.replace(experiment, corruptions=())
        >>> compare(experiment, runs, "noise", "clean")
        '+3.5 ± 2.1 (better on every seed)'
    """
    ours = [_run_values(experiment, run)[column] for run in runs[recipe]]
    theirs = [_run_values(experiment, run)[column] for run in runs[reference]]
    deltas = [a - b for a, b in zip(ours, theirs, strict=True)]
    spread = statistics.stdev(deltas) if len(deltas) > 1 else 0.0
    if len(deltas) == 1:
        verdict = "one seed"
    elif all(delta > 0 for delta in deltas):
        verdict = "better on every seed"
    elif all(delta < 0 for delta in deltas):
        verdict = "worse on every seed"
    elif all(delta == 0 for delta in deltas):
        verdict = "the same on every seed"
    else:
        wins, losses = sum(delta > 0 for delta in deltas), sum(delta < 0 for delta in deltas)
        verdict = f"mixed: better on {wins}, worse on {losses} of {len(deltas)} seeds"
    return f"{statistics.mean(deltas):+.1f} ± {spread:.1f} ({verdict})"


def verdicts(experiment: Experiment, runs: Mapping[str, Sequence[RobustnessResult]]) -> list[str]:
    """One line per recipe: its paired difference to the baseline (clean, headline, average)."""
    if "baseline" not in runs:
        return ["(no baseline run: no comparison)"]
    headline = experiment.column(*experiment.headline)
    return [
        f"`{recipe}` vs `baseline`: clean {compare(experiment, runs, recipe, 'clean')}, "
        f"{headline} {compare(experiment, runs, recipe, headline)}, "
        f"{CORRUPTED_MEAN} {compare(experiment, runs, recipe, CORRUPTED_MEAN)}"
        for recipe in runs
        if recipe != "baseline"
    ]


def write(
    out: Path,
    task: Task,
    results: Mapping[str, Mapping[str, Sequence[RobustnessResult]]],
    *,
    settings: Mapping,
    command: str,
) -> dict[str, Path]:
    """Writes `report.md`, `results.json` and one `<experiment>.png` per experiment into `out`.

    Returns:
        `{"report": path, "json": path, "plots": [paths]}`.
    """
    from keras_noise.robustness import plot

    out.mkdir(parents=True, exist_ok=True)
    experiments = {e.name: e for e in task.experiments if e.name in results}
    sections, summaries, plots = [], {}, []
    for name, runs in results.items():
        experiment = experiments[name]
        table = summary(experiment, runs)
        summaries[name] = table
        plot_path = plot(
            {recipe: list(seed_runs) for recipe, seed_runs in runs.items()},
            out / f"{name}.png",
            title=f"{experiment.title}: mean and ± 1 std over {settings['seeds']} seed(s)",
        )
        plots.append(plot_path)
        unit = "R² x100" if experiment.metric == "r2" else "accuracy (%)"
        recipes = "\n".join(
            f"- `{recipe}`: {experiment.recipes[recipe].description}" for recipe in runs
        )
        sections.append(
            f"## {experiment.title}\n\n"
            f"Test {unit}, mean ± std over {settings['seeds']} seed(s), "
            f"{settings['epochs'][name]} epochs; `{CORRUPTED_MEAN}` averages every corrupted "
            f"column.\n\n{markdown_table(table)}\n\n### Recipes\n\n{recipes}\n\n"
            "### Against the baseline (paired by seed: same split, same corrupted test data)\n\n"
            + "\n".join(f"- {line}" for line in verdicts(experiment, runs))
            + f"\n\n![{name} robustness curves]({plot_path.name})\n"
        )
    paths = {"report": out / "report.md", "json": out / "results.json", "plots": plots}
    paths["json"].write_text(
        json.dumps(
            {
                "task": task.name,
                "command": command,
                "settings": dict(settings),
                "summary": summaries,
                "runs": {
                    name: {
                        recipe: [run.to_dict() for run in seed_runs]
                        for recipe, seed_runs in runs.items()
                    }
                    for name, runs in results.items()
                },
            },
            indent=2,
        )
    )
    paths["report"].write_text(
        f"# keras-noise demo: {task.name}\n\n{task.summary}\n\n"
        f"Command: `{command}` ({settings['seconds']:.0f} s on this machine"
        + (f", {settings['cpu_seconds']:.0f} CPU-seconds" if "cpu_seconds" in settings else "")
        + ").\n\n"
        + "\n".join(sections)
    )
    return paths
