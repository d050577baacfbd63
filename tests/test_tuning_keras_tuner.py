"""KerasTuner interop: `kn.tuning.hypermodel` and `choose_strength` with a real tuner.

keras-tuner is in the `tuner` and `dev` extras, so CI runs this file (no skip if it is missing).
"""

import keras
import keras_tuner
import pytest
from tuning_tasks import TRAIN, VAL, jitter_mlp, mlp

import keras_noise as kn


def test_grid_search_over_noise_strengths_finds_the_learnable_one(tmp_path):
    tuner = keras_tuner.GridSearch(
        kn.tuning.hypermodel(jitter_mlp, values=[100.0, 0.0], layers="jitter"),
        objective="val_accuracy",
        directory=str(tmp_path),
        project_name="jitter",
        seed=0,
    )
    tuner.search(*TRAIN, validation_data=VAL, epochs=4, verbose=0)
    trials = tuner.oracle.get_best_trials(num_trials=2)
    assert [t.hyperparameters["noise_strength"] for t in trials] == [0.0, 100.0]
    # KerasTuner scores a trial by its best epoch, so the drowned model's score is its luckiest
    # epoch: far below the learnable one all the same.
    assert trials[0].score > 0.9 and trials[1].score < trials[0].score - 0.3


def test_choose_strength_assigns_the_trials_values_to_the_selected_layers():
    def build(hp):
        model = mlp(
            kn.layers.Jitter(stddev=0.0, name="jitter"),
            kn.layers.FeatureMask(rate=0.0, name="mask"),
        )
        kn.tuning.choose_strength(hp, model, [0.0, 0.1, 0.2], layers="jitter", name="sigma")
        kn.tuning.choose_strength(hp, model, [0.0, 0.5], layers="mask", name="rate")
        return model

    hp = keras_tuner.HyperParameters()
    model = build(hp)  # first build: each Choice takes its default, the first value
    assert hp.values == {"sigma": 0.0, "rate": 0.0}
    hp.values.update({"sigma": 0.2, "rate": 0.5})
    model = build(hp)
    strengths = {
        c.name: float(c.strength.numpy()) for c in kn.callbacks.find_noise_components(model)
    }
    assert strengths == pytest.approx({"jitter": 0.2, "mask": 0.5})


def test_choose_strength_checks_values_with_the_layers_own_message():
    model = mlp(kn.layers.FeatureMask(rate=0.0, name="mask"))
    with pytest.raises(ValueError, match=r"Invalid value for `mask.rate`: expected a float in"):
        kn.tuning.choose_strength(keras_tuner.HyperParameters(), model, [0.5, 1.5])
    plain = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="Invalid value for `model`: expected a model that holds"):
        kn.tuning.choose_strength(keras_tuner.HyperParameters(), plain, [0.5])
