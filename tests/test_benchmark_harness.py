"""The benchmark harness: interleaving, ratios and report files (no timing assertions)."""

import json

import pytest

from benchmarks import harness


def test_ratios_are_medians_of_same_round_ratios_and_targets_are_judged():
    group = harness.Group(
        "demo",
        [harness.Candidate("a", lambda: None, 10), harness.Candidate("b", lambda: None, 10)],
        targets=[harness.Target("a", "b", 1.5, "a within 1.5x of b")],
    )
    times = {"a": [2.0, 2.0, 9.0], "b": [1.0, 1.0, 1.0]}
    summary = harness.summarize(group, times)
    assert summary["targets"][0]["time_ratio"] == 2.0  # median of (2, 2, 9), not 9 / 1
    assert summary["targets"][0]["met"] is False
    assert summary["rows"][1]["time_ratio_vs_subject"] == 0.5


def test_measure_runs_each_candidate_every_round_after_a_warm_up():
    calls = {"a": 0, "b": 0}
    group = harness.Group(
        "count",
        [
            harness.Candidate("a", lambda: calls.__setitem__("a", calls["a"] + 1), 1),
            harness.Candidate("b", lambda: calls.__setitem__("b", calls["b"] + 1), 1),
        ],
    )
    result = harness.measure(group, rounds=4)
    assert calls == {"a": 5, "b": 5} and result["rounds"] == 4


def test_quick_suite_run_writes_json_and_markdown(tmp_path):
    results = harness.run(
        ["input_noise"], rounds=1, quick=True, out_dir=tmp_path, log=lambda s: None
    )
    assert {group["suite"] for group in results} == {"input_noise"}
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["meta"]["quick"] is True and data["groups"]
    assert "| kn.Jitter |" in (tmp_path / "results.md").read_text()


def test_quick_service_suite_runs_with_worker_processes(tmp_path):
    """The service suite starts real worker processes: its smoke run must keep working."""
    results = harness.run(["service"], rounds=1, quick=True, out_dir=tmp_path, log=lambda s: None)
    (group,) = results
    labels = [row["label"] for row in group["rows"]]
    assert labels == ["local kn.data.map", "service, 1 worker(s)", "service, 2 worker(s)"]


def test_group_filters_run_only_the_matching_groups_and_no_figures():
    logged = []
    results = harness.run(
        ["mixing"],
        rounds=1,
        quick=True,
        out_dir=None,
        log=logged.append,
        group_filters=["cutmix, TF.DATA"],  # case-insensitive
    )
    # The suite's MixUp and epoch groups and its peak-RSS figure are left out.
    assert [result["name"] for result in results] == ["CutMix, tf.data map, batch (8, 16, 16, 3)"]
    assert len(logged) == 1


def test_a_group_filter_that_matches_nothing_fails_before_any_group_runs():
    logged = []
    with pytest.raises(ValueError, match=r"No benchmark group matches --group \['nope'\]"):
        harness.run(
            ["mixing"],
            rounds=1,
            quick=True,
            out_dir=None,
            log=logged.append,
            group_filters=["cutmix", "nope"],
        )
    assert logged == []


def test_groups_left_out_by_a_filter_are_torn_down():
    torn_down = []
    groups = [
        harness.Group(name, [], teardown=lambda name=name: torn_down.append(name))
        for name in ("MixUp a", "CutMix b")
    ]
    matched = set()
    selected = harness._select(groups, ["mixup"], matched, last_suite=True)
    assert [group.name for group in selected] == ["MixUp a"]
    assert torn_down == ["CutMix b"] and matched == {"mixup"}
