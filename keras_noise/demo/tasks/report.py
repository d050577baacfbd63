"""A demo task's report: mean ± std over seeds, verdicts against the baseline, JSON and plots."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from keras_noise.demo.report import mean_result
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

    Example:
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


def compare(table: Table, recipe: str, column: str, *, reference: str = "baseline") -> str:
    """`recipe` against `reference` in one column: the difference and whether it is clear.

    A difference is called clear when it exceeds the combined spread over seeds,
    `sqrt(std_a² + std_b²)`; with one seed (no spread) every difference is only "measured".

    Example:
    >>> table = {"baseline": {"clean": {"mean": 90.0, "std": 1.0}},
    ...          "noise": {"clean": {"mean": 93.0, "std": 1.0}}}
    >>> compare(table, "noise", "clean")
    '+3.0 (better)'
    """
    a, b = table[recipe][column], table[reference][column]
    delta = a["mean"] - b["mean"]
    spread = math.hypot(a["std"], b["std"])
    if spread == 0.0:
        verdict = "one seed: no spread"
    elif delta > spread:
        verdict = "better"
    elif delta < -spread:
        verdict = "worse"
    else:
        verdict = "within the spread"
    return f"{delta:+.1f} ({verdict})"


def verdicts(experiment: Experiment, table: Table) -> list[str]:
    """One line per recipe: its difference to the baseline clean, at the headline, on average."""
    if "baseline" not in table:
        return ["(no baseline run: no comparison)"]
    headline = experiment.column(*experiment.headline)
    return [
        f"`{recipe}` vs `baseline`: clean {compare(table, recipe, 'clean')}, "
        f"{headline} {compare(table, recipe, headline)}, "
        f"{CORRUPTED_MEAN} {compare(table, recipe, CORRUPTED_MEAN)}"
        for recipe in table
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
            {recipe: mean_result(seed_runs) for recipe, seed_runs in runs.items()},
            out / f"{name}.png",
            title=f"{experiment.title}: mean of {settings['seeds']} seed(s)",
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
            "### Against the baseline\n\n"
            + "\n".join(f"- {line}" for line in verdicts(experiment, table))
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
        f"Command: `{command}` ({settings['seconds']:.0f} s on this machine, "
        f"{settings['cpu_seconds']:.0f} CPU-seconds).\n\n" + "\n".join(sections)
    )
    return paths
