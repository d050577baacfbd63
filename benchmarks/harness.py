"""The benchmark harness: interleaved rounds, medians, ratios against peers run alongside.

A suite (a module in `benchmarks/suites/`) exposes ``groups(quick: bool) -> list[Group]``, and
may expose ``figures(quick: bool) -> list[Figure]`` for measured quantities that are not times
(peak memory). A group
is a set of candidates that do the same work (one keras-noise implementation and its peers); each
round times every candidate once, in a rotating order, so that drift on a shared, noisy machine
hits all of them alike. A ratio is the median over rounds of ``time(subject) / time(peer)`` in the
same round, which cancels most of that drift; targets are bounds on such ratios.

Results are printed as Markdown tables and written as `results.json` and `results.md`.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import json
import pkgutil
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path


@dataclasses.dataclass
class Candidate:
    """One implementation of a group's work.

    Attributes:
        label: a short name shown in the table, unique within the group.
        run: does one unit of work (e.g. iterates a `tf.data` pipeline once) and returns.
        items: how many items (images, examples, steps) one `run` processes, for throughput.
        setup: called once before the rounds (tracing, warm-up); its time is not measured.
    """

    label: str
    run: Callable[[], object]
    items: int
    setup: Callable[[], object] | None = None


@dataclasses.dataclass
class Target:
    """A bound on the time ratio ``time(subject) / time(peer)``, the peer measured in the same run.

    "Subject has >= 2x the throughput of peer" is ``max_time_ratio=0.5``; "within 1.1x of
    peer" is ``max_time_ratio=1.1``.
    """

    subject: str
    peer: str
    max_time_ratio: float
    description: str = ""


@dataclasses.dataclass
class Figure:
    """A measured quantity that is not a time, e.g. peak memory; reported, no target.

    Attributes:
        name: the figure's title.
        unit: the unit of the values, e.g. "MiB".
        values: label -> measured value.
    """

    name: str
    unit: str
    values: dict[str, float]


@dataclasses.dataclass
class Group:
    """Candidates doing the same work, and the targets among them.

    Attributes:
        name: the group's title.
        candidates: the implementations; the first is the subject of the ratio column.
        targets: bounds checked on the measured ratios.
        unit: what `Candidate.items` counts, e.g. "images".
        teardown: called once after the rounds (e.g. stops servers the candidates use).
    """

    name: str
    candidates: list[Candidate]
    targets: list[Target] = dataclasses.field(default_factory=list)
    unit: str = "items"
    teardown: Callable[[], object] | None = None


def measure(group: Group, rounds: int) -> dict:
    """Times every candidate of `group` over interleaved rounds and returns the group's results."""
    for candidate in group.candidates:
        if candidate.setup is not None:
            candidate.setup()
        candidate.run()  # warm-up: tracing, autotuning and caches stay out of the timings
    times: dict[str, list[float]] = {c.label: [] for c in group.candidates}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for round_index in range(rounds):
            shift = round_index % len(group.candidates)
            order = group.candidates[shift:] + group.candidates[:shift]
            for candidate in order:
                start = time.perf_counter()
                candidate.run()
                times[candidate.label].append(time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return summarize(group, times)


def _ratio(times: dict[str, list[float]], subject: str, peer: str) -> float:
    return statistics.median(s / p for s, p in zip(times[subject], times[peer], strict=True))


def summarize(group: Group, times: dict[str, list[float]]) -> dict:
    """Turns raw per-round times into medians, throughputs, ratios and target verdicts."""
    subject = group.candidates[0].label
    rows = []
    for candidate in group.candidates:
        median = statistics.median(times[candidate.label])
        rows.append(
            {
                "label": candidate.label,
                "median_ms": median * 1e3,
                "throughput": candidate.items / median,
                "time_ratio_vs_subject": _ratio(times, candidate.label, subject),
            }
        )
    targets = []
    for target in group.targets:
        ratio = _ratio(times, target.subject, target.peer)
        targets.append(
            {
                **dataclasses.asdict(target),
                "time_ratio": ratio,
                "met": ratio <= target.max_time_ratio,
            }
        )
    return {
        "name": group.name,
        "unit": group.unit,
        "rounds": len(next(iter(times.values()))),
        "rows": rows,
        "targets": targets,
    }


def _figure_markdown(figure: dict) -> list[str]:
    lines = [f"### {figure['name']}", "", f"| candidate | {figure['unit']} |", "|---|---:|"]
    lines += [f"| {label} | {value:,.1f} |" for label, value in figure["values"].items()]
    return [*lines, ""]


def to_markdown(results: Sequence[dict]) -> str:
    """Renders group results (and figures) as Markdown tables."""
    lines = []
    for group in results:
        if group.get("kind") == "figure":
            lines += _figure_markdown(group)
            continue
        subject = group["rows"][0]["label"]
        lines += [
            f"### {group['name']}",
            "",
            f"| candidate | median ms | {group['unit']}/s | time / {subject} |",
            "|---|---:|---:|---:|",
        ]
        for row in group["rows"]:
            lines.append(
                f"| {row['label']} | {row['median_ms']:.2f} | {row['throughput']:,.0f} "
                f"| {row['time_ratio_vs_subject']:.2f}x |"
            )
        if group["targets"]:
            lines += ["", "| target | bound | measured | verdict |", "|---|---:|---:|---|"]
            for target in group["targets"]:
                text = target["description"] or f"{target['subject']} vs {target['peer']}"
                verdict = "met" if target["met"] else "**missed**"
                lines.append(
                    f"| {text} | <= {target['max_time_ratio']:.2f}x | "
                    f"{target['time_ratio']:.2f}x | {verdict} |"
                )
        lines.append("")
    return "\n".join(lines)


def available_suites() -> list[str]:
    """The names of the modules in `benchmarks/suites/`."""
    from benchmarks import suites

    return sorted(module.name for module in pkgutil.iter_modules(suites.__path__))


def run(
    suite_names: Sequence[str] | None = None,
    *,
    rounds: int = 15,
    quick: bool = False,
    out_dir: str | Path | None = "bench_output",
    log: Callable[[str], object] = print,
    group_filters: Sequence[str] | None = None,
) -> list[dict]:
    """Runs suites and writes `results.json` and `results.md` into `out_dir`.

    Args:
        suite_names: suites to run (default: all of them).
        rounds: interleaved rounds per group.
        quick: small shapes, for a smoke run; its numbers are not the reported ones.
        out_dir: where to write the results, or None to write nothing.
        log: where progress lines go.
        group_filters: if given, only the groups whose name contains one of these strings
            (case-insensitive) run, and no figures (they are whole-suite measurements).

    Returns:
        The results of every group.

    Raises:
        ValueError: for an unknown suite name (the message lists the known ones), or a group
            filter that matches no group of the suites (raised when the last suite's groups
            are built, before they run; the message lists them).
    """
    known = available_suites()
    names = list(suite_names) if suite_names else known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"Unknown benchmark suite(s) {unknown}. Known suites: {known}")
    filters = list(group_filters or [])
    matched: set[str] = set()
    results = []
    for position, name in enumerate(names):
        module = importlib.import_module(f"benchmarks.suites.{name}")
        groups = module.groups(quick=quick)
        if filters:
            groups = _select(groups, filters, matched, last_suite=position == len(names) - 1)
        for group in groups:
            log(f"[bench] {name}: {group.name} ({rounds} rounds)")
            try:
                results.append({"suite": name, **measure(group, rounds)})
            finally:
                if group.teardown is not None:
                    group.teardown()
        figures = [] if filters else getattr(module, "figures", lambda quick: [])(quick=quick)
        for figure in figures:
            log(f"[bench] {name}: {figure.name}")
            results.append({"suite": name, "kind": "figure", **dataclasses.asdict(figure)})
    if out_dir is not None:
        write(results, Path(out_dir), rounds=rounds, quick=quick)
    return results


def _select(groups: list[Group], filters: list[str], matched: set[str], *, last_suite: bool):
    """The groups whose name contains one of `filters` (case-insensitive), for `run`.

    The other groups are torn down unrun. `matched` collects the filters that matched a group
    so far; on the last suite, a filter that never matched raises a ValueError.
    """
    selected = []
    for group in groups:
        hits = {f for f in filters if f.lower() in group.name.lower()}
        matched |= hits
        if hits:
            selected.append(group)
        elif group.teardown is not None:
            group.teardown()
    unmatched = [f for f in filters if f not in matched]
    if last_suite and unmatched:
        for group in selected:
            if group.teardown is not None:
                group.teardown()
        names = [group.name for group in groups]
        raise ValueError(
            f"No benchmark group matches --group {unmatched}. The last suite's groups: {names}"
        )
    return selected


def machine_description() -> dict:
    """What the numbers were measured on."""
    import os

    import keras
    import tensorflow as tf

    return {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def write(results: Sequence[dict], out_dir: Path, *, rounds: int, quick: bool) -> None:
    """Writes `results.json` and `results.md` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {**machine_description(), "rounds": rounds, "quick": quick}
    (out_dir / "results.json").write_text(json.dumps({"meta": meta, "groups": results}, indent=2))
    header = (
        f"Measured {meta['date']} on {meta['cpu_count']} CPUs, TensorFlow {meta['tensorflow']}, "
        f"Keras {meta['keras']}; {rounds} interleaved rounds, medians"
        + (" (quick mode: small shapes, not for quoting)" if quick else "")
        + ".\n\n"
    )
    (out_dir / "results.md").write_text(header + to_markdown(results))
