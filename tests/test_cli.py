"""The `keras-noise` command line: clear errors with exit status 2, and a demo smoke run."""

import json

import pytest

from keras_noise.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--recipes", "nope"], "unknown recipe(s) ['nope']; known recipes: ["),
        (["demo", "--train-size", "100000"], "--train-size must be in [10, "),
        (["demo", "--seeds", "0"], "--seeds must be >= 1"),
        (["bench", "--suite", "nope"], "Unknown benchmark suite(s) ['nope']. Known suites: ["),
        (["bench", "--rounds", "0"], "--rounds must be >= 1"),
    ],
)
def test_bad_options_exit_2_with_a_message_and_no_traceback(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_demo_refuses_an_unwritable_output_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["demo", "--quick", "--out", str(blocker / "sub")]) == 2
    assert "cannot write to the output folder" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_quick_smoke_run_writes_its_report(tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results and (out / "report.md").read_text().startswith("# keras-noise demo")
