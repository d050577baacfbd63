"""The demo tasks: what their test-time corruptions do, the verdicts, and a quick run per task."""

import json

import numpy as np
import pytest

from keras_noise.cli import main
from keras_noise.demo import datasets
from keras_noise.demo.datasets import text
from keras_noise.demo.tasks import TASK_MODULES, load_task, report, runner
from keras_noise.robustness import Curve, RobustnessResult


def _corruption(task, name):
    return next(c for e in load_task(task).experiments for c in e.corruptions if c.name == name)


def test_missing_features_replace_that_fraction_by_the_mean_with_a_fixed_draw():
    split = datasets.load_breast_cancer_split(0)
    corruption = _corruption("tabular", "missing_features")
    x = corruption.apply(split, 0.4, 7)
    changed = x != split.x_test
    assert abs(changed.mean() - 0.4) < 0.03 and np.all(x[changed] == 0.0)
    np.testing.assert_array_equal(x, corruption.apply(split, 0.4, 7))  # every recipe, same draw
    assert not np.array_equal(x, corruption.apply(split, 0.4, 8))


def test_gaussian_noise_on_features_has_the_severity_as_std():
    split = datasets.load_diabetes_split(0)
    noise = _corruption("tabular", "gaussian_noise").apply(split, 0.5, 0) - split.x_test
    assert abs(noise.std() - 0.5) < 0.03 and abs(noise.mean()) < 0.03


def test_dropped_steps_zero_whole_time_steps():
    split = datasets.load_gunpoint_split()
    x = _corruption("timeseries", "dropped_steps").apply(split, 0.3, 0)
    dropped = (x == 0).all(axis=-1)
    assert abs(dropped.mean() - 0.3) < 0.02
    np.testing.assert_array_equal(x[~dropped], split.x_test[~dropped])


def test_token_corruptions_drop_or_replace_that_fraction_of_words_and_keep_padding():
    split = datasets.load_topics_split(0)
    words = (split.x_test != text.PAD_ID) & (split.x_test != text.UNKNOWN_ID)
    dropped = _corruption("text", "dropped_tokens").apply(split, 0.4, 0)
    assert abs((dropped[words] == text.UNKNOWN_ID).mean() - 0.4) < 0.04
    np.testing.assert_array_equal(dropped[~words & (split.x_test == 0)], 0)
    replaced = _corruption("text", "replaced_tokens").apply(split, 0.4, 0)
    changed = replaced[words] != split.x_test[words]
    assert abs(changed.mean() - 0.4) < 0.04  # a random word equals the old one rarely (1/V)
    assert np.mean(replaced[words][changed] == text.UNKNOWN_ID) < 0.01  # random words, not [UNK]
    np.testing.assert_array_equal(replaced[split.x_test == 0], 0)


def test_band_corruptions_mask_whole_frames_or_whole_coefficients():
    split = datasets.load_spoken_digits_split(0)
    x = _corruption("speech", "time_bands").apply(split, 8.0, 0)
    masked = (x == 0).all(axis=2) & ~(split.x_test == 0).all(axis=2)
    assert masked.any() and masked.sum(axis=1).max() <= 16  # two bands of at most 8 frames
    x = _corruption("speech", "coefficient_bands").apply(split, 4.0, 0)
    masked = (x == 0).all(axis=1) & ~(split.x_test == 0).all(axis=1)
    assert masked.any() and masked.sum(axis=1).max() <= 4


def test_score_is_accuracy_of_the_argmax():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Identity()])
    x = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], "float32")
    assert runner.score(model, x, np.array([0, 1, 1]), "accuracy") == pytest.approx(2 / 3)


def test_compare_pairs_seeds_and_says_better_worse_or_mixed():
    experiment = load_task("text").experiments[0]

    def runs(*cleans):  # every corrupted score 0.1 below the clean one
        return [
            RobustnessResult(
                "accuracy",
                clean,
                {
                    c.name: Curve(c.name, "corruption", "rate", c.severities, (clean - 0.1,) * 3)
                    for c in experiment.corruptions
                },
                num_examples=10,
            )
            for clean in cleans
        ]

    table = {
        "baseline": runs(0.80, 0.90, 0.70),
        "better": runs(0.81, 0.91, 0.72),  # +1.3 on average, but on every seed
        "worse": runs(0.70, 0.85, 0.69),
        "mixed": runs(0.85, 0.85, 0.75),
    }
    assert (
        report.compare(experiment, table, "better", "clean") == "+1.3 ± 0.6 (better on every seed)"
    )
    assert report.compare(experiment, table, "worse", "clean").endswith("(worse on every seed)")
    assert report.compare(experiment, table, "mixed", "clean") == (
        "+1.7 ± 5.8 (mixed: better on 2, worse on 1 of 3 seeds)"
    )
    lines = report.verdicts(experiment, table)
    assert len(lines) == 3 and lines[0] == (
        "`better` vs `baseline`: clean +1.3 ± 0.6 (better on every seed), "
        "replaced=0.2 +1.3 ± 0.6 (better on every seed), "
        "corrupted mean +1.3 ± 0.6 (better on every seed)"
    )


def test_every_task_has_a_baseline_a_combination_and_its_guides_recipes():
    expected = {
        "tabular": {"jitter", "feature_mask", "jitter+feature_mask", "target_jitter"},
        "timeseries": {"jitter", "temporal_dropout", "jitter+temporal_dropout"},
        "text": {"token_mask", "dropout", "token_mask+dropout"},
        "speech": {"time_mask", "frequency_mask", "specaugment"},
    }
    for name in TASK_MODULES:
        task = load_task(name)
        for experiment in task.experiments:
            assert next(iter(experiment.recipes)) == "baseline"
        assert expected[name] <= set(task.recipe_names)


@pytest.mark.slow
@pytest.mark.parametrize("task", list(TASK_MODULES))
def test_quick_run_writes_report_json_and_plots_in_the_task_folder(task, tmp_path, capsys):
    assert main(["demo", "--task", task, "--quick", "--out", str(tmp_path)]) == 0
    folder = tmp_path / task
    results = json.loads((folder / "results.json").read_text())
    experiments = load_task(task).experiments
    assert results["task"] == task and results["command"].endswith(f"--task {task} --quick")
    for experiment in experiments:
        runs = results["runs"][experiment.name]
        assert list(runs) == list(experiment.recipes)  # every recipe ran, in order
        for seed_runs in runs.values():
            (run,) = seed_runs  # --quick: one seed
            if experiment.metric == "accuracy":
                assert 0.0 <= run["clean"] <= 1.0
            assert set(run["curves"]) == {c.name for c in experiment.corruptions}
        assert (folder / f"{experiment.name}.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "report.md").read_text().startswith(f"# keras-noise demo: {task}")
    out = capsys.readouterr().out
    assert f"[{task} 1/" in out and " s)" in out  # one summary line per run, with its time
