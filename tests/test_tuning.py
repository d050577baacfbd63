"""`kn.tuning.sweep`: known answers, one model per seed reset between values, no retrace."""

import json
import math
import statistics

import keras
import numpy as np
import pytest
import tensorflow as tf
from tuning_tasks import NUM_CLASSES, TRAIN, VAL, Counts, Recorder, jitter_mlp, mlp

import keras_noise as kn


# ------------------------------------------------------------------------------ known answers
def test_a_strength_too_large_to_learn_comes_out_worst_and_near_chance():
    result = kn.tuning.sweep(jitter_mlp, TRAIN, VAL, values=[0.0, 0.3, 100.0], epochs=6, verbose=0)
    by_value = {r["value"]: r["mean"] for r in result.results}
    assert by_value[100.0] == min(by_value.values())
    assert by_value[100.0] < 1 / NUM_CLASSES + 0.15  # chance is 0.25
    assert by_value[0.0] > 0.9 and by_value[0.3] > 0.9
    assert result.best_value in (0.0, 0.3)
    assert result.strengths == ["jitter/stddev"]


def _digits(start, stop):
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))[start:stop]
    return (digits.images[order] / 16.0).astype("float32")[..., None], digits.target[order]


def cutout_mlp():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            kn.layers.Cutout(size_fraction=0.5, probability=0.0, seed=0, name="cutout"),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def test_zero_noise_is_not_chosen_where_cutout_clearly_helps_on_occluded_digits():
    x_train, y_train = _digits(0, 500)
    x_val, y_val = _digits(1000, 1400)
    occluded = np.asarray(kn.layers.Cutout(size_fraction=0.5, seed=1)(x_val, training=True))
    changed = occluded != x_val
    assert np.all(occluded[changed] == 0) and 0.05 < changed.mean() <= 0.25  # holes of 25%
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(500, seed=0).batch(50)
    result = kn.tuning.sweep(
        cutout_mlp,
        train,
        (occluded, y_val),
        values=[0.0, 1.0],
        epochs=6,
        fit_kwargs={"validation_batch_size": 400},
        verbose=0,
    )
    clean_rate, cutout_rate = (r["mean"] for r in result.results)
    assert result.best_value == 1.0
    assert cutout_rate > clean_rate + 0.02


# ---------------------------------------------------------------- one model per seed, reset
def test_each_value_starts_from_the_seeds_initial_state_without_retracing():
    counts, recorder, models = Counts(), Recorder(), []

    def build():
        models.append(jitter_mlp(counts=counts))
        return models[-1]

    result = kn.tuning.sweep(
        build,
        TRAIN,
        VAL,
        values=[0.0, 0.2, 0.5],
        epochs=2,
        seeds=(0, 1),
        callbacks=[recorder],
        verbose=0,
    )
    assert len(models) == 2  # built once per seed, not per value
    assert len(recorder.begins) == 6
    for model in models:
        begins = [b for b in recorder.begins if b["model"] == id(model)]
        ends = [e for e in recorder.ends if e["model"] == id(model)]
        assert [b["strengths"]["jitter"] for b in begins] == pytest.approx([0.0, 0.2, 0.5])
        for begin in begins:
            assert begin["iterations"] == 0
            for a, b in zip(begin["weights"], begins[0]["weights"], strict=True):
                np.testing.assert_array_equal(a, b)
            for a, b in zip(begin["optimizer"], begins[0]["optimizer"], strict=True):
                np.testing.assert_array_equal(a, b)
            assert len(begin["seed_states"]) == 1
            np.testing.assert_array_equal(begin["seed_states"][0], begins[0]["seed_states"][0])
        # The first run traced the train and test functions; later values reuse them as they
        # are: the same function object, and no new trace of the model's layers.
        assert len({e["train_function"] for e in ends}) == 1
        assert ends[0]["traces"][0] > 0
        assert [e["traces"] for e in ends] == [ends[0]["traces"]] * 3
    assert len(result.results) == 3 and all(len(r["per_seed"]) == 2 for r in result.results)


def test_trace_count_does_not_grow_with_the_number_of_values():
    def traces_for(values):
        counts = Counts()
        kn.tuning.sweep(
            lambda: jitter_mlp(counts=counts), TRAIN, VAL, values=values, epochs=1, verbose=0
        )
        (count,) = counts.by_layer.values()
        return count

    assert traces_for([0.0]) == traces_for([0.0, 0.1, 0.2, 0.3])


def test_a_values_score_does_not_depend_on_the_values_run_before_it():
    forward = kn.tuning.sweep(jitter_mlp, TRAIN, VAL, values=[0.0, 2.0], epochs=2, verbose=0)
    backward = kn.tuning.sweep(jitter_mlp, TRAIN, VAL, values=[2.0, 0.0], epochs=2, verbose=0)
    scores = {r["value"]: r["per_seed"] for r in forward.results}
    assert {r["value"]: r["per_seed"] for r in backward.results} == scores
    assert scores[0.0] != scores[2.0]


def test_only_the_selected_strengths_move():
    recorder = Recorder()

    def build():
        return mlp(
            kn.layers.Jitter(stddev=0.05, seed=0, name="j1"),
            kn.layers.Jitter(stddev=0.05, seed=1, name="j2"),
        )

    result = kn.tuning.sweep(
        build,
        TRAIN,
        VAL,
        values=[0.1, 0.3],
        layers="j2",
        epochs=1,
        callbacks=[recorder],
        verbose=0,
    )
    assert [b["strengths"] for b in recorder.begins] == [
        {"j1": pytest.approx(0.05), "j2": pytest.approx(0.1)},
        {"j1": pytest.approx(0.05), "j2": pytest.approx(0.3)},
    ]
    assert result.strengths == ["j2/stddev"]


def test_optimizer_and_tf_data_components_are_selected_like_noise_scheduler():
    mask = kn.layers.FeatureMask(rate=0.0, seed=0, name="pipeline_mask")
    train = tf.data.Dataset.from_tensor_slices(TRAIN).batch(32).map(mask)
    recorder = Recorder()
    seen, optimizer_names = [], []

    def build():
        optimizer = kn.optimizers.GradientNoise(keras.optimizers.Adam(1e-2), eta=0.0, seed=0)
        optimizer_names.append(optimizer.name)
        return mlp(kn.layers.Jitter(stddev=0.01, seed=0, name="jitter"), optimizer=optimizer)

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append((float(mask.strength.numpy()), float(self.model.optimizer.strength)))

    result = kn.tuning.sweep(
        build,
        train,
        VAL,
        values=[0.0, 0.25],
        layers=[mask, kn.optimizers.GradientNoise],
        epochs=1,
        callbacks=[Probe(), recorder],
        verbose=0,
    )
    assert seen == [(0.0, 0.0), (0.25, 0.25)]
    assert [b["strengths"]["jitter"] for b in recorder.begins] == pytest.approx([0.01, 0.01])
    # Keys are `<component name>/<strength>`; the optimizer's name is unique per process.
    assert sorted(result.strengths) == sorted([f"{optimizer_names[0]}/eta", "pipeline_mask/rate"])


# ------------------------------------------------------------------------------ the result
def test_result_statistics_and_exports(tmp_path):
    result = kn.tuning.sweep(
        jitter_mlp, TRAIN, VAL, values=[0.0, 50.0], epochs=2, seeds=(0, 1), verbose=0
    )
    for entry in result.results:
        assert set(entry) == {"value", "mean", "std", "per_seed", "epochs"}
        assert len(entry["per_seed"]) == 2 and entry["epochs"] == 2
        assert entry["mean"] == pytest.approx(statistics.fmean(entry["per_seed"]))
        assert entry["std"] == pytest.approx(statistics.stdev(entry["per_seed"]))
    assert result.best_value == 0.0
    assert result.epochs_spent == result.epochs_full == 2 * 2 * 2

    data = json.loads(result.to_json())
    assert data["best_value"] == 0.0 and data["metric"] == "val_accuracy"
    assert kn.tuning.SweepResult.from_json(result.to_json()) == result

    table = result.to_markdown().splitlines()
    assert "jitter/stddev" in table[0] and "best value 0;" in table[0]
    assert table[4].startswith("| **0** |") and table[5].startswith("| 50 |")

    path = result.plot(tmp_path / "sweep.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_min_mode_picks_the_smallest_loss():
    result = kn.tuning.sweep(
        jitter_mlp,
        TRAIN,
        VAL,
        values=[0.0, 100.0],
        epochs=3,
        metric="val_loss",
        mode="min",
        verbose=0,
    )
    losses = {r["value"]: r["mean"] for r in result.results}
    assert losses[100.0] > losses[0.0] and result.best_value == 0.0
    assert all(math.isfinite(v) for v in losses.values())


def test_progress_lines_with_verbose_2(capsys):
    kn.tuning.sweep(jitter_mlp, TRAIN, VAL, values=[0.0, 0.1], epochs=1, seeds=(3,), verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[sweep]")]
    assert len(lines) == 2
    assert lines[1].startswith("[sweep] value 0.1, seed 3, epochs 0-1: val_accuracy=")
