"""FGSM, PGD and AdversarialModel: attack strength, constraints, training, and bad arguments.

Attacks are checked on an MLP trained on scikit-learn's digits (8x8 images in [0, 1]); the
margins below are several times smaller than the effects measured over seeds 0-4.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

import keras_noise as kn
from keras_noise.adversarial import AdversarialModel, attacks, fgsm, pgd

LOGITS_LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _digits():
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    return x, digits.target.astype("int32")


def _mlp(seed: int, *noise: keras.layers.Layer) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            *noise,
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(keras.optimizers.Adam(3e-3), LOGITS_LOSS, metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def digits():
    x, y = _digits()
    return x[:800], y[:800], x[1297:], y[1297:]


@pytest.fixture(scope="module")
def trained(digits):
    x_train, y_train, _, _ = digits
    model = _mlp(0)
    model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    return model


def _loss(model, x, y) -> float:
    return float(LOGITS_LOSS(y, model(x, training=False)))


def _accuracy(model, x, y) -> float:
    return float(np.mean(np.argmax(model(x, training=False), axis=-1) == y))


# ------------------------------------------------------------------------------------ FGSM
@pytest.mark.parametrize("epsilon", [0.05, 0.1, 0.2])
def test_fgsm_raises_the_loss_and_stays_in_the_ball_and_the_clip_range(trained, digits, epsilon):
    _, _, x, y = digits
    x_adv = np.asarray(fgsm(trained, x, y, epsilon))
    assert x_adv.shape == x.shape and x_adv.dtype == x.dtype
    assert _loss(trained, x_adv, y) > _loss(trained, x, y) + 0.2
    delta = np.abs(x_adv - x)
    assert delta.max() <= epsilon + 1e-6
    assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    # FGSM moves every value by exactly epsilon unless the clip range stops it.
    inside = (x >= epsilon) & (x <= 1 - epsilon)
    assert np.mean(np.isclose(delta[inside], epsilon, atol=1e-6)) > 0.99


def test_fgsm_with_a_custom_clip_and_without_clipping(trained, digits):
    _, _, x, y = digits
    clipped = np.asarray(fgsm(trained, x, y, 0.3, clip=(0.1, 0.9)))
    assert clipped.min() >= 0.1 and clipped.max() <= 0.9
    free = np.asarray(fgsm(trained, x, y, 0.3, clip=None))
    assert free.min() < 0.0 and free.max() > 1.0
    assert np.abs(free - x).max() == pytest.approx(0.3, abs=1e-6)


def test_fgsm_crafts_in_inference_mode():
    """Noise layers and dropout are off, and BatchNorm's moving statistics do not move."""
    x, y = _digits()
    model = _mlp(1, kn.layers.Jitter(stddev=0.5, seed=0), keras.layers.BatchNormalization())
    model.add(keras.layers.Dropout(0.5))
    batch_norm = model.layers[1]
    moving_mean = np.asarray(batch_norm.moving_mean).copy()
    first = np.asarray(fgsm(model, x[:64], y[:64], 0.1))
    second = np.asarray(fgsm(model, x[:64], y[:64], 0.1))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.asarray(batch_norm.moving_mean), moving_mean)


def test_attacks_do_not_retrace_across_epsilons(trained, digits):
    _, _, x, y = digits
    fgsm(trained, x[:50], y[:50], 0.01)
    pgd(trained, x[:50], y[:50], 0.01, steps=2, seed=0)
    traces = (
        attacks._fgsm_function.experimental_get_tracing_count(),
        attacks._pgd_function.experimental_get_tracing_count(),
    )
    for epsilon in (0.02, 0.05, 0.1):
        fgsm(trained, x[:50], y[:50], epsilon)
        pgd(trained, x[:50], y[:50], epsilon, steps=2, seed=1)
    assert traces == (
        attacks._fgsm_function.experimental_get_tracing_count(),
        attacks._pgd_function.experimental_get_tracing_count(),
    )


def test_attacks_inline_into_a_user_graph_and_xla(trained, digits):
    _, _, x, y = digits
    x, y = tf.constant(x[:64]), tf.constant(y[:64])
    eager = np.asarray(fgsm(trained, x, y, 0.1))
    for jit_compile in (False, True):
        graph = tf.function(lambda a, b: fgsm(trained, a, b, 0.1), jit_compile=jit_compile)
        np.testing.assert_allclose(np.asarray(graph(x, y)), eager, atol=1e-6)
        crafted = tf.function(
            lambda a, b: pgd(trained, a, b, 0.1, steps=3, seed=0), jit_compile=jit_compile
        )(x, y)
        assert np.abs(np.asarray(crafted) - np.asarray(x)).max() <= 0.1 + 1e-6


# ------------------------------------------------------------------------------------- PGD
@pytest.mark.parametrize("epsilon", [0.05, 0.1, 0.2])
def test_pgd_is_at_least_as_strong_as_fgsm(trained, digits, epsilon):
    _, _, x, y = digits
    fgsm_loss = _loss(trained, np.asarray(fgsm(trained, x, y, epsilon)), y)
    for seed in (0, 1):
        x_pgd = np.asarray(pgd(trained, x, y, epsilon, steps=10, seed=seed))
        assert _loss(trained, x_pgd, y) >= fgsm_loss
        assert _accuracy(trained, x_pgd, y) <= _accuracy(
            trained, np.asarray(fgsm(trained, x, y, epsilon)), y
        )
        assert np.abs(x_pgd - x).max() <= epsilon + 1e-6
        assert x_pgd.min() >= 0.0 and x_pgd.max() <= 1.0


def test_pgd_l2_stays_in_the_l2_ball_and_raises_the_loss(trained, digits):
    _, _, x, y = digits
    epsilon = 1.0
    x_adv = np.asarray(pgd(trained, x, y, epsilon, steps=10, norm="l2", seed=0))
    norms = np.sqrt(((x_adv - x) ** 2).reshape(len(x), -1).sum(axis=1))
    assert norms.max() <= epsilon + 1e-4
    assert norms.mean() > 0.5 * epsilon
    assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    assert _loss(trained, x_adv, y) > _loss(trained, x, y) + 0.2


def test_one_pgd_step_from_x_with_step_epsilon_is_fgsm(trained, digits):
    _, _, x, y = digits
    one_step = pgd(trained, x, y, 0.1, step_size=0.1, steps=1, random_start=False)
    np.testing.assert_allclose(np.asarray(one_step), np.asarray(fgsm(trained, x, y, 0.1)))


def test_pgd_random_start_is_seeded(trained, digits):
    _, _, x, y = digits
    first = np.asarray(pgd(trained, x[:100], y[:100], 0.1, steps=1, seed=5))
    again = np.asarray(pgd(trained, x[:100], y[:100], 0.1, steps=1, seed=5))
    other = np.asarray(pgd(trained, x[:100], y[:100], 0.1, steps=1, seed=6))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    generator = kn.ops.random.NoiseSeedGenerator(seed=3)
    draws = [np.asarray(pgd(trained, x[:100], y[:100], 0.1, steps=1, seed=generator))]
    draws.append(np.asarray(pgd(trained, x[:100], y[:100], 0.1, steps=1, seed=generator)))
    assert not np.array_equal(*draws)


# --------------------------------------------------------------------------- bad arguments
def test_bad_attack_arguments_get_clear_errors(trained, digits):
    _, _, x, y = digits
    x, y = x[:8], y[:8]
    with pytest.raises(ValueError, match=r"Invalid value for `epsilon`: expected a float >= 0"):
        fgsm(trained, x, y, -0.1)
    with pytest.raises(ValueError, match=r"Invalid value for `epsilon`.*Received: epsilon=-1"):
        pgd(trained, x, y, -1)
    with pytest.raises(ValueError, match=r"Invalid value for `clip`: .*low < high.*\(1, 0\)"):
        fgsm(trained, x, y, 0.1, clip=(1, 0))
    with pytest.raises(ValueError, match=r"Invalid value for `clip`.*\(0.5, 0.5\)"):
        pgd(trained, x, y, 0.1, clip=(0.5, 0.5))
    with pytest.raises(ValueError, match=r"Invalid value for `steps`: expected an integer >= 1"):
        pgd(trained, x, y, 0.1, steps=0)
    with pytest.raises(ValueError, match=r"Invalid value for `step_size`: expected a float > 0"):
        pgd(trained, x, y, 0.1, step_size=0.0)
    with pytest.raises(ValueError, match=r"Invalid value for `norm`: expected one of 'linf'"):
        pgd(trained, x, y, 0.1, norm="l1")
    with pytest.raises(TypeError, match=r"expected float inputs.*Received: dtype=uint8"):
        fgsm(trained, (x * 255).astype("uint8"), y, 0.1)


def test_a_model_output_incompatible_with_the_loss_is_named_with_shapes(trained, digits):
    _, _, x, y = digits
    scalar_output = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
            keras.layers.Reshape(()),
        ]
    )
    with pytest.raises(ValueError, match=r"Invalid model output for the attack loss.*\(8,\)"):
        fgsm(scalar_output, x[:8], y[:8], 0.1, loss=LOGITS_LOSS)
    with pytest.raises(ValueError, match=r"Invalid model output for the attack loss"):
        pgd(trained, x[:8], y[:8], 0.1, loss="categorical_crossentropy", steps=2)


def test_an_uncompiled_model_needs_a_loss(digits):
    _, _, x, y = digits
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    with pytest.raises(ValueError, match=r"Invalid value for `loss`.*not compiled with a loss"):
        fgsm(model, x[:8], y[:8], 0.1)
    assert fgsm(model, x[:8], y[:8], 0.1, loss=LOGITS_LOSS).shape == (8, 8, 8, 1)


# ------------------------------------------------------------------------ AdversarialModel
@pytest.mark.parametrize("seed", [0, 1])
def test_adversarial_training_raises_adversarial_accuracy(digits, seed):
    x_train, y_train, x_test, y_test = digits
    plain = _mlp(seed)
    plain.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    inner = _mlp(seed)
    model = AdversarialModel(inner, method="fgsm", epsilon=0.1, seed=seed)
    model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)

    def adversarial_accuracy(m):
        return _accuracy(m, np.asarray(fgsm(m, x_test, y_test, 0.1)), y_test)

    # Measured over seeds 0-4: +10 to +18 points; clean accuracy within 2 points.
    assert adversarial_accuracy(inner) > adversarial_accuracy(plain) + 0.05
    assert _accuracy(inner, x_test, y_test) > _accuracy(plain, x_test, y_test) - 0.06


def test_evaluate_predict_and_saving_are_the_inner_models(digits, tmp_path):
    x_train, y_train, x_test, y_test = digits
    inner = _mlp(0, kn.layers.Jitter(stddev=0.1, seed=0))
    model = AdversarialModel(inner, method="pgd", steps=2, epsilon=0.1, seed=0)
    assert model.compiled  # compiled like the inner model
    model.fit(x_train[:128], y_train[:128], epochs=1, batch_size=32, verbose=0)
    np.testing.assert_allclose(
        model.predict(x_test, verbose=0), inner.predict(x_test, verbose=0), rtol=1e-6
    )
    assert model.evaluate(x_test, y_test, verbose=0) == pytest.approx(
        inner.evaluate(x_test, y_test, verbose=0)
    )
    inner.save(tmp_path / "inner.keras")
    reloaded = keras.saving.load_model(tmp_path / "inner.keras")
    assert not any(isinstance(layer, AdversarialModel) for layer in reloaded._flatten_layers())
    np.testing.assert_allclose(
        reloaded.predict(x_test, verbose=0), inner.predict(x_test, verbose=0)
    )
    inner.export(str(tmp_path / "served"), format="tf_saved_model", verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    np.testing.assert_allclose(
        np.asarray(served.serve(tf.constant(x_test))), inner.predict(x_test, verbose=0), atol=1e-5
    )

    model.save(tmp_path / "wrapper.keras")
    wrapper = keras.saving.load_model(tmp_path / "wrapper.keras")
    assert isinstance(wrapper, AdversarialModel)
    config = wrapper.get_config()
    assert {k: config[k] for k in ("method", "steps", "ratio", "seed")} == {
        "method": "pgd",
        "steps": 2,
        "ratio": 0.5,
        "seed": 0,
    }
    assert config["epsilon"] == pytest.approx(0.1)
    np.testing.assert_allclose(wrapper.predict(x_test, verbose=0), inner.predict(x_test, verbose=0))


@pytest.mark.parametrize("ratio", [0.25, 0.5, 1.0])
def test_adversarial_batch_replaces_the_configured_fraction(trained, digits, ratio):
    _, _, x, y = digits
    x, y = x[:40], y[:40]
    weights = np.arange(40, dtype="float32")
    model = AdversarialModel(trained, epsilon=0.2, ratio=ratio, seed=0)
    mixed_x, mixed_y, mixed_w = (np.asarray(t) for t in model.adversarial_batch(x, y, weights))
    # Every row is either an original row (unchanged) or a crafted one; labels and weights
    # follow their rows through the shuffle.
    original_index = mixed_w.astype(int)
    np.testing.assert_array_equal(mixed_y, y[original_index])
    changed = np.any(mixed_x != x[original_index], axis=(1, 2, 3))
    assert changed.sum() == round(ratio * 40)
    assert np.abs(mixed_x - x[original_index]).max() <= 0.2 + 1e-6


def _weighted_dataset(x, y):
    weights = np.linspace(0.5, 1.5, len(x)).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y, weights)).batch(16)


# FGSM's ops under XLA are covered by test_attacks_inline_into_a_user_graph_and_xla; PGD's
# step adds the while loop and the batch mixing (random permutation, dynamic slices).
@pytest.mark.parametrize(
    ("method", "jit_compile"),
    [("fgsm", False), ("pgd", False), ("pgd", True)],
    ids=["fgsm-graph", "pgd-graph", "pgd-xla"],
)
def test_fit_on_weighted_tf_data_with_metrics_and_xla(digits, method, jit_compile):
    x_train, y_train, _, _ = digits
    model = AdversarialModel(_mlp(0), method=method, epsilon=0.1, steps=2, seed=0)
    model.compile("adam", LOGITS_LOSS, weighted_metrics=["accuracy"], jit_compile=jit_compile)
    dataset = _weighted_dataset(x_train[:64], y_train[:64])
    history = model.fit(dataset, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    model.set_strength(0.2)
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_fit_under_mirrored_strategy(digits, mirrored_strategy):
    x_train, y_train, _, _ = digits
    strategy = mirrored_strategy
    with strategy.scope():
        model = AdversarialModel(_mlp(0), method="pgd", epsilon=0.1, steps=2, seed=0)
    history = model.fit(x_train[:96], y_train[:96], batch_size=16, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["accuracy"][-1] > 0.2


def test_fit_in_mixed_precision(digits, dtype_policy):
    dtype_policy("mixed_float16")
    x_train, y_train, _, _ = digits
    model = AdversarialModel(_mlp(0), method="pgd", epsilon=0.1, steps=2, seed=0)
    history = model.fit(x_train[:96], y_train[:96], batch_size=16, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_epsilon_assignment_takes_effect_without_retracing(digits):
    x_train, y_train, _, _ = digits
    x, y = x_train[:64], y_train[:64]
    model = AdversarialModel(_mlp(0), epsilon=0.0, ratio=1.0, seed=0)
    traces = []
    train_step = model.train_step

    def counting_train_step(data):
        traces.append(1)
        return train_step(data)

    model.train_step = counting_train_step
    model.compile(keras.optimizers.SGD(0.0), LOGITS_LOSS)
    clean = model.fit(x, y, batch_size=64, epochs=1, verbose=0).history["loss"][-1]
    count = len(traces)
    model.set_strength(0.3)
    attacked = model.fit(x, y, batch_size=64, epochs=1, verbose=0).history["loss"][-1]
    assert len(traces) == count >= 1, "assigning epsilon must not retrace"
    assert attacked > clean + 0.5  # learning rate 0: only epsilon changed


def test_noise_scheduler_ramps_epsilon(digits):
    x_train, y_train, _, _ = digits
    model = AdversarialModel(_mlp(0), epsilon=0.0, seed=0, name="adversarial")
    scheduler = kn.callbacks.NoiseScheduler(
        kn.schedules.Linear(0.0, 0.2, duration=2), layers=AdversarialModel
    )
    history = model.fit(x_train[:64], y_train[:64], epochs=3, verbose=0, callbacks=[scheduler])
    assert [round(v, 3) for v in history.history["adversarial/epsilon"]] == [0.0, 0.1, 0.2]


def test_bad_adversarial_model_arguments_get_clear_errors(trained):
    with pytest.raises(ValueError, match=r"Invalid value for `epsilon`: expected a float >= 0"):
        AdversarialModel(trained, epsilon=-0.1)
    with pytest.raises(ValueError, match=r"Invalid value for `method`: expected one of 'fgsm'"):
        AdversarialModel(trained, method="bim")
    with pytest.raises(
        ValueError, match=r"Invalid value for `ratio`: expected a float in \[0, 1\]"
    ):
        AdversarialModel(trained, ratio=1.5)
    with pytest.raises(ValueError, match=r"Invalid value for `steps`: expected an integer >= 1"):
        AdversarialModel(trained, method="pgd", steps=0)
    with pytest.raises(ValueError, match=r"Invalid value for `clip`"):
        AdversarialModel(trained, clip=(1.0, 0.0))
    with pytest.raises(TypeError, match=r"Invalid type for `model`: expected a keras.Model"):
        AdversarialModel(keras.layers.Dense(3))
    model = AdversarialModel(trained, name="adv")
    with pytest.raises(ValueError, match=r"Invalid value for `adv.epsilon`.*Received: .*=-1"):
        model.set_strength(-1)


def test_fit_without_labels_says_labels_are_needed(digits):
    x_train, _, _, _ = digits
    model = AdversarialModel(_mlp(0), seed=0)
    with pytest.raises(ValueError, match=r"needs labels to craft adversarial examples"):
        model.fit(tf.data.Dataset.from_tensor_slices(x_train[:32]).batch(16), verbose=0)
