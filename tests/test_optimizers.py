import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.optimizers import GradientNoise

SIZE = 40_000  # sample variance of SIZE normal draws: relative std sqrt(2 / SIZE) = 0.7%
REL = 0.06  # > 8 sigma


@keras.saving.register_keras_serializable(package="keras_noise_tests")
def zero_gradient_loss(y_true, y_pred):
    """A loss whose gradient is exactly zero: only the gradient noise moves the weights."""
    return 0.0 * keras.ops.mean(y_pred)


def expected_variance(eta, gamma, steps):
    return sum(eta / (1.0 + t) ** gamma for t in range(steps))


def zero_gradient_model(jit_compile=False, eta=0.5, gamma=0.55, seed=0, **inner_kwargs):
    model = keras.Sequential(
        [keras.Input((200,)), keras.layers.Dense(200, use_bias=False, kernel_initializer="zeros")]
    )
    optimizer = GradientNoise(
        keras.optimizers.SGD(1.0, **inner_kwargs), eta=eta, gamma=gamma, seed=seed
    )
    model.compile(optimizer, zero_gradient_loss, jit_compile=jit_compile)
    return model


def data():
    return np.ones((8, 200), "float32"), np.zeros((8, 200), "float32")


def kernel(model):
    return keras.ops.convert_to_numpy(model.layers[0].kernel).ravel()


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_variance_follows_eta_over_one_plus_t_to_the_gamma(mode):
    eta, gamma = 0.5, 0.55
    optimizer = GradientNoise(keras.optimizers.SGD(1.0), eta=eta, gamma=gamma, seed=1)
    variable = keras.Variable(np.zeros(SIZE, "float32"))

    def step():
        optimizer.apply([tf.zeros(SIZE)], [variable])

    if mode != "eager":
        step = tf.function(step, jit_compile=mode == "xla")
    previous = np.zeros(SIZE)
    for t in range(4):
        step()
        current = keras.ops.convert_to_numpy(variable)
        delta = previous - current
        previous = current
        variance = eta / (1.0 + t) ** gamma
        assert delta.var() == pytest.approx(variance, rel=REL)
        assert abs(delta.mean()) < 6 * math.sqrt(variance / SIZE)
    assert int(optimizer.iterations) == 4


@pytest.mark.parametrize("mode", ["graph", "xla", "mixed_float16", "mirrored"])
def test_fit_on_zero_gradient_problem(mode, dtype_policy, mirrored_strategy):
    steps = 3
    x, y = data()
    strategy = mirrored_strategy
    if mode == "mirrored":
        with strategy.scope():
            model = zero_gradient_model()
    else:
        if mode == "mixed_float16":
            dtype_policy("mixed_float16")
        model = zero_gradient_model(jit_compile=mode == "xla")
    model.fit(x, y, batch_size=8, epochs=steps, verbose=0)
    if mode == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        assert isinstance(model.optimizer.inner_optimizer, GradientNoise)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == steps
    # Every replica draws the same noise and adds 1/N of it: the summed update has the full
    # variance (independent draws would give half of it with two replicas).
    assert kernel(model).var() == pytest.approx(expected_variance(0.5, 0.55, steps), rel=REL)
    if mode == "mirrored":
        replicas = strategy.experimental_local_results(model.layers[0].kernel.value)
        assert len(replicas) == 2
        np.testing.assert_array_equal(replicas[0].numpy(), replicas[1].numpy())


def test_seeded_and_resumable_through_keras_save(tmp_path):
    x, y = data()
    straight = zero_gradient_model(seed=5)
    straight.fit(x, y, batch_size=8, epochs=5, verbose=0)

    first = zero_gradient_model(seed=5)
    first.fit(x, y, batch_size=8, epochs=3, verbose=0)
    path = tmp_path / "model.keras"
    first.save(path)
    resumed = keras.saving.load_model(path)
    assert isinstance(resumed.optimizer, GradientNoise)
    assert resumed.optimizer.get_config() == first.optimizer.get_config()
    assert int(resumed.optimizer.iterations) == 3
    resumed.fit(x, y, batch_size=8, epochs=2, verbose=0)
    np.testing.assert_array_equal(kernel(resumed), kernel(straight))

    other_seed = zero_gradient_model(seed=6)
    other_seed.fit(x, y, batch_size=8, epochs=5, verbose=0)
    assert not np.array_equal(kernel(other_seed), kernel(straight))


def test_gradient_accumulation_gets_one_draw_per_update():
    inner = keras.optimizers.SGD(1.0, gradient_accumulation_steps=2)
    optimizer = GradientNoise(inner, eta=0.5, seed=3)
    variable = keras.Variable(np.zeros(SIZE, "float32"))
    optimizer.apply([tf.zeros(SIZE)], [variable])
    assert np.all(keras.ops.convert_to_numpy(variable) == 0)  # accumulated, not applied
    optimizer.apply([tf.zeros(SIZE)], [variable])
    assert keras.ops.convert_to_numpy(variable).var() == pytest.approx(0.5, rel=REL)
    assert int(optimizer.iterations) == 1


def test_mixed_precision_keras_save_and_load(tmp_path, dtype_policy):
    dtype_policy("mixed_float16")
    x, y = data()
    model = zero_gradient_model(seed=8)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.save(tmp_path / "mixed.keras")
    restored = keras.saving.load_model(tmp_path / "mixed.keras")
    assert isinstance(restored.optimizer, keras.optimizers.LossScaleOptimizer)
    assert (
        restored.optimizer.inner_optimizer.get_config()
        == model.optimizer.inner_optimizer.get_config()
    )
    assert int(restored.optimizer.iterations) == 2
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    restored.fit(x, y, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_array_equal(kernel(restored), kernel(model))


def test_inner_clipping_applies_to_the_noisy_gradient():
    eta = 4.0
    clipped = GradientNoise(keras.optimizers.SGD(1.0, clipvalue=0.01), eta=eta, seed=2)
    variable = keras.Variable(np.zeros(1000, "float32"))
    clipped.apply([tf.zeros(1000)], [variable])
    assert float(keras.ops.max(keras.ops.abs(variable))) == pytest.approx(0.01)

    for argument in ("clipnorm", "global_clipnorm"):
        optimizer = GradientNoise(keras.optimizers.SGD(1.0, **{argument: 0.5}), eta=eta, seed=2)
        variable = keras.Variable(np.zeros(1000, "float32"))
        optimizer.apply([tf.zeros(1000)], [variable])
        assert float(keras.ops.norm(variable)) == pytest.approx(0.5, rel=1e-4)


def test_none_and_sparse_gradients():
    optimizer = GradientNoise(keras.optimizers.SGD(1.0), eta=0.1, seed=3)
    untouched = keras.Variable(np.zeros(5, "float32"))
    table = keras.Variable(np.zeros((6, 4), "float32"))
    sparse = tf.IndexedSlices(tf.zeros((1, 4)), indices=tf.constant([2]), dense_shape=(6, 4))
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizer.apply([None, sparse], [untouched, table])
    assert np.all(keras.ops.convert_to_numpy(untouched) == 0)
    assert np.all(keras.ops.convert_to_numpy(table) != 0)  # densified: every row gets noise


def test_eta_is_a_schedulable_strength():
    optimizer = GradientNoise(keras.optimizers.SGD(1.0), eta=0.0, gamma=0.0, seed=4, name="gn")
    assert kn.callbacks.is_noise_component(optimizer)
    variable = keras.Variable(np.zeros(SIZE, "float32"))
    step = tf.function(lambda: optimizer.apply([tf.zeros(SIZE)], [variable]))
    step()
    assert np.all(keras.ops.convert_to_numpy(variable) == 0)
    optimizer.set_strength(0.2)  # reaches the traced function
    step()
    assert keras.ops.convert_to_numpy(variable).var() == pytest.approx(0.2, rel=REL)
    assert step.experimental_get_tracing_count() == 1
    assert optimizer.get_config()["eta"] == pytest.approx(0.2)


def test_delegates_learning_rate_and_loss_scale():
    inner = keras.optimizers.Adam(0.01, loss_scale_factor=8.0)
    optimizer = GradientNoise(inner)
    optimizer.learning_rate = 0.5
    assert float(inner.learning_rate) == pytest.approx(0.5)
    assert float(optimizer.learning_rate) == pytest.approx(0.5)
    assert float(optimizer.scale_loss(2.0)) == 16.0


def test_loss_scale_factor_of_inner_optimizer_keeps_noise_variance():
    optimizer = GradientNoise(keras.optimizers.SGD(1.0, loss_scale_factor=64.0), eta=0.3, seed=5)
    variable = keras.Variable(np.zeros(SIZE, "float32"))
    # Gradients arrive scaled by the factor; the inner optimizer divides it out again.
    optimizer.apply([tf.zeros(SIZE)], [variable])
    assert keras.ops.convert_to_numpy(variable).var() == pytest.approx(0.3, rel=REL)


def test_config_round_trip():
    inner = keras.optimizers.Adam(0.003, clipnorm=1.0, name="inner_adam")
    optimizer = GradientNoise(inner, eta=0.1, gamma=0.3, seed=7, name="noisy")
    config = optimizer.get_config()
    assert {k: config[k] for k in ("name", "eta", "gamma", "seed")} == {
        "name": "noisy",
        "eta": pytest.approx(0.1),
        "gamma": 0.3,
        "seed": 7,
    }
    restored = GradientNoise.from_config(config)
    assert restored.get_config() == config
    assert restored.inner_optimizer.clipnorm == 1.0
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(restored, GradientNoise) and restored.get_config() == config


def test_accepts_an_optimizer_name():
    assert isinstance(GradientNoise("adam").inner_optimizer, keras.optimizers.Adam)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: GradientNoise(object()), TypeError, "Invalid type for `optimizer`: expected a"),
        (lambda: GradientNoise(tf.Variable(1.0)), TypeError, "Invalid type for `optimizer`"),
        (lambda: GradientNoise("no_such_optimizer"), ValueError, "Invalid value for `optimizer`"),
        (
            lambda: GradientNoise(keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())),
            ValueError,
            r"loss scaling goes outside, as LossScaleOptimizer\(GradientNoise",
        ),
        (
            lambda: GradientNoise(keras.optimizers.SGD(), eta=-0.1),
            ValueError,
            "`eta`: expected a float >= 0. Received: eta=-0.1",
        ),
        (
            lambda: GradientNoise(keras.optimizers.SGD(), eta=math.nan),
            ValueError,
            "`eta`: expected a float >= 0",
        ),
        (
            lambda: GradientNoise(keras.optimizers.SGD(), gamma=-1),
            ValueError,
            "`gamma`: expected a float >= 0",
        ),
        (
            lambda: GradientNoise(keras.optimizers.SGD(), seed=-1),
            ValueError,
            "`seed`: expected None or an integer >= 0",
        ),
        (
            lambda: GradientNoise(keras.optimizers.SGD(), clipnorm=1.0),
            ValueError,
            r"`clipnorm`: expected no `clipnorm` on GradientNoise: set it on the wrapped",
        ),
        (
            lambda: GradientNoise(keras.optimizers.SGD(), momentum=0.9),
            TypeError,
            r"unexpected keyword argument\(s\) \['momentum'\]",
        ),
    ],
)
def test_bad_arguments(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_set_strength_validates():
    optimizer = GradientNoise(keras.optimizers.SGD(), name="gn")
    with pytest.raises(ValueError, match=r"`gn.eta`: expected a float >= 0. Received: gn.eta=nan"):
        optimizer.set_strength(math.nan)
