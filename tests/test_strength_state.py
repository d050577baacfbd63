"""Strengths are layer state, not weights: out of `get_weights()`, in saved files, schedulable."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import CASES, params

import keras_noise as kn

X = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
Y = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")


def _clean():
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(2),
        ]
    )


def _noisy():
    return keras.Sequential(
        [
            keras.Input((6,)),
            kn.layers.Jitter(stddev=0.3),
            keras.layers.Dense(4, activation="relu"),
            kn.layers.ActivationNoise(stddev=0.2),
            keras.layers.Dense(2),
        ]
    )


@params(CASES)
def test_no_layer_lists_its_strength_among_its_weights(case):
    layer = case.layer()
    case.model(layer)  # built
    strength_ids = {id(v) for v in layer.strength_variables}
    assert strength_ids and id(layer.strength) in strength_ids
    assert not strength_ids & {id(w) for w in layer.weights}
    assert strength_ids <= {id(v) for v in layer.variables}
    assert strength_ids <= {id(v) for v in layer.non_trainable_variables}


def test_get_weights_and_summary_counts_match_the_clean_twin():
    clean, noisy = _clean(), _noisy()
    assert len(noisy.get_weights()) == len(clean.get_weights()) == 4
    assert noisy.count_params() == clean.count_params()
    assert sum(int(np.prod(w.shape)) for w in noisy.non_trainable_weights) == 0


def test_weights_move_between_twins_in_both_directions():
    clean, noisy = _clean(), _noisy()
    noisy.set_weights(clean.get_weights())
    np.testing.assert_allclose(noisy.predict(X, verbose=0), clean.predict(X, verbose=0), atol=1e-6)
    clean.set_weights([w * 2 for w in noisy.get_weights()])
    assert not np.allclose(noisy.predict(X, verbose=0), clean.predict(X, verbose=0))
    wrapped = keras.Sequential(
        [
            keras.Input((6,)),
            kn.layers.DropConnect(keras.layers.Dense(4, activation="relu"), rate=0.5),
            keras.layers.Dense(2),
        ]
    )
    wrapped.set_weights(clean.get_weights())  # a weight-noise wrapper takes the inner weights
    np.testing.assert_allclose(
        wrapped.predict(X, verbose=0), clean.predict(X, verbose=0), atol=1e-6
    )


def test_a_clean_weights_file_loads_into_the_noisy_twin(tmp_path):
    clean, noisy = _clean(), _noisy()
    noisy.layers[0].set_strength(0.7)
    clean.save_weights(tmp_path / "clean.weights.h5")
    noisy.load_weights(tmp_path / "clean.weights.h5")
    np.testing.assert_allclose(noisy.predict(X, verbose=0), clean.predict(X, verbose=0), atol=1e-6)
    assert float(noisy.layers[0].strength.numpy()) == pytest.approx(0.7)  # left as it was


def test_strengths_are_saved_in_weights_files_and_keras_files(tmp_path):
    noisy = _noisy()
    noisy.layers[0].set_strength(0.45)
    noisy.layers[2].set_strength(0.05)
    noisy.save_weights(tmp_path / "noisy.weights.h5")
    fresh = _noisy()
    fresh.load_weights(tmp_path / "noisy.weights.h5")  # strengths from the file, not the config
    assert float(fresh.layers[0].strength.numpy()) == pytest.approx(0.45)
    assert float(fresh.layers[2].strength.numpy()) == pytest.approx(0.05)
    noisy.save(tmp_path / "noisy.keras")
    reloaded = keras.saving.load_model(tmp_path / "noisy.keras")
    assert float(reloaded.layers[0].strength.numpy()) == pytest.approx(0.45)
    assert float(reloaded.layers[2].strength.numpy()) == pytest.approx(0.05)
    assert len(reloaded.get_weights()) == 4


def test_assigning_a_strength_reaches_a_traced_function_without_retracing():
    layer = kn.layers.Jitter(stddev=0.0, seed=1)
    traces = []

    @tf.function
    def noisy(x):
        traces.append(1)
        return layer(x, training=True)

    np.testing.assert_array_equal(noisy(X), X)
    layer.set_strength(1.0)
    assert abs(float(np.std(noisy(X) - X)) - 1.0) < 0.3
    assert len(traces) == 1


def test_restore_best_weights_does_not_roll_the_schedule_back():
    model = _noisy()
    model.compile("sgd", "mse")
    kernels = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            kernels.append(model.layers[1].kernel.numpy().copy())

    jitter = model.layers[0]
    scheduler = kn.callbacks.NoiseScheduler(
        kn.schedules.Linear(0.0, 1.0, duration=30), layers=[jitter]
    )
    # mode="max" on a (mostly) falling loss: an early epoch is the best, training stops two
    # epochs later and restores that epoch's weights.
    stopper = keras.callbacks.EarlyStopping(
        monitor="loss", mode="max", patience=2, restore_best_weights=True
    )
    history = model.fit(X, Y, epochs=30, verbose=0, callbacks=[Snapshot(), scheduler, stopper])
    losses = history.history["loss"]
    best, last = int(np.argmax(losses)), len(losses) - 1
    assert last < 29 and best <= last - 2  # it stopped early, and restored an earlier epoch
    np.testing.assert_array_equal(model.layers[1].kernel.numpy(), kernels[best])
    assert float(jitter.strength.numpy()) == pytest.approx(last / 30)  # the last epoch's value
    assert history.history[f"{jitter.name}/stddev"][-1] == pytest.approx(last / 30)


def test_adversarial_epsilon_is_state_and_the_inner_model_serves():
    inner = _clean()
    wrapper = kn.adversarial.AdversarialModel(inner, epsilon=0.1)
    assert len(wrapper.get_weights()) == len(inner.get_weights())
    assert any(v is wrapper.strength for v in wrapper.variables)
    assert wrapper.inference_layer() is inner
