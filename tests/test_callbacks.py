import csv
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.callbacks import NoiseScheduler, find_noise_components, is_noise_component

DIM = 64


class TraceCounter(keras.layers.Layer):
    """Identity that counts how often its `call` runs in Python, i.e. how often it is traced."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.traces = 0

    def call(self, inputs):
        self.traces += 1
        return inputs


class Holder(keras.layers.Layer):
    """A custom layer that owns a noise layer as an attribute (a wrapper-like structure)."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, inputs, training=None):
        return self.inner(inputs, training=training)


class EpsilonModel(keras.Model):
    """A model that is itself a noise component (as an adversarial-training wrapper is)."""

    strength_name = "epsilon"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)
        self.strength = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def set_strength(self, value):
        self.strength.assign(kn._validation.check_float("epsilon", value, low=0.0))

    def call(self, inputs):
        return self.dense(inputs)


class RecordTraces(keras.callbacks.Callback):
    def __init__(self, counter):
        super().__init__()
        self.counter, self.per_epoch = counter, []

    def on_epoch_end(self, epoch, logs=None):
        self.per_epoch.append(self.counter.traces)


def zero_model(*noise, counter=None):
    """Zero inputs -> noise -> identity Dense: the MSE loss against zeros is the noise power."""
    layers = [keras.Input((DIM,))]
    if counter is not None:
        layers.append(counter)
    layers += [
        *noise,
        keras.layers.Dense(DIM, use_bias=False, kernel_initializer="identity", name="dense"),
    ]
    model = keras.Sequential(layers, name="zero_model")
    model.compile(keras.optimizers.SGD(0.0), "mse")
    return model


def zeros(n=512):
    return np.zeros((n, DIM), "float32")


def assert_power(loss, stddev):
    # Sample variance of >= 32768 normal draws: relative std <= 0.8%; 6% is > 7 sigma.
    assert loss == pytest.approx(stddev**2, rel=0.06, abs=1e-6)


def test_protocol_and_discovery_through_nested_models_and_wrappers():
    inner = keras.Sequential([kn.layers.Jitter(0.1, name="j_nested")], name="inner")
    held = kn.layers.MultiplicativeNoise(0.1, name="j_held")
    model = keras.Sequential(
        [keras.Input((4,)), kn.layers.Jitter(0.1, name="j_top"), inner, Holder(held)]
    )
    assert [c.name for c in find_noise_components(model)] == ["j_top", "j_nested", "j_held"]
    assert not is_noise_component(keras.layers.GaussianNoise(0.1))
    epsilon = EpsilonModel(name="adv")
    assert is_noise_component(epsilon) and find_noise_components(epsilon) == [epsilon]


def test_in_model_strength_follows_schedule_with_zero_retraces():
    counter = TraceCounter()
    model = zero_model(kn.layers.Jitter(0.0, name="jitter", seed=1), counter=counter)
    schedule = kn.schedules.Linear(0.1, 0.5, duration=4)
    record = RecordTraces(counter)
    history = model.fit(
        zeros(),
        zeros(),
        batch_size=128,
        epochs=5,
        shuffle=False,
        verbose=0,
        callbacks=[NoiseScheduler(schedule), record],
    )
    expected = [schedule(e) for e in range(5)]
    assert history.history["jitter/stddev"] == pytest.approx(expected)
    for loss, stddev in zip(history.history["loss"], expected, strict=True):
        assert_power(loss, stddev)
    assert record.per_epoch == [record.per_epoch[0]] * 5  # traced in epoch 1 only


def test_per_step_schedule_reaches_the_traced_step_without_retrace():
    counter = TraceCounter()
    model = zero_model(kn.layers.Jitter(0.0, name="jitter", seed=2), counter=counter)
    schedule = kn.schedules.Piecewise(boundaries=[2, 5], values=[0.1, 0.3, 0.6])
    record = RecordTraces(counter)
    history = model.fit(
        zeros(),
        zeros(),
        batch_size=128,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[NoiseScheduler(schedule, per="step"), record],
    )
    # Epoch 0 runs steps 0-3 (0.1, 0.1, 0.3, 0.3), epoch 1 steps 4-7 (0.3, 0.6, 0.6, 0.6).
    assert_power(history.history["loss"][0], math.sqrt((2 * 0.01 + 2 * 0.09) / 4))
    assert_power(history.history["loss"][1], math.sqrt((0.09 + 3 * 0.36) / 4))
    assert history.history["jitter/stddev"] == pytest.approx([0.3, 0.6])
    assert record.per_epoch[0] == record.per_epoch[1]


def test_step_counter_with_steps_per_execution_and_resumed_fit():
    seen = []

    def schedule(t):
        seen.append(t)
        return 0.1

    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    model.compile(keras.optimizers.SGD(0.0), "mse", steps_per_execution=2)
    callback = NoiseScheduler(schedule, per="step")
    model.fit(zeros(), zeros(), batch_size=128, epochs=2, verbose=0, callbacks=[callback])
    assert seen == [0, 2, 4, 6]
    seen.clear()
    # A second fit continues from the optimizer's iteration count.
    model.fit(zeros(), zeros(), batch_size=128, epochs=1, verbose=0, callbacks=[callback])
    assert seen == [8, 10]


def test_logs_reach_csv_logger(tmp_path):
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    path = tmp_path / "log.csv"
    callbacks = [
        NoiseScheduler(kn.schedules.Step(0.2, 0.5, every=1)),
        keras.callbacks.CSVLogger(str(path)),
    ]
    model.fit(zeros(256), zeros(256), batch_size=128, epochs=3, verbose=0, callbacks=callbacks)
    rows = list(csv.DictReader(path.open()))
    assert [float(row["jitter/stddev"]) for row in rows] == pytest.approx([0.2, 0.1, 0.05])


def test_logs_reach_tensorboard(tmp_path):
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    callbacks = [
        NoiseScheduler(kn.schedules.Step(0.2, 0.5, every=1)),
        keras.callbacks.TensorBoard(log_dir=str(tmp_path)),
    ]
    model.fit(zeros(256), zeros(256), batch_size=128, epochs=2, verbose=0, callbacks=callbacks)
    values = [
        float(tf.make_ndarray(value.tensor))
        for path in (tmp_path / "train").glob("events.out.tfevents.*")
        for event in tf.compat.v1.train.summary_iterator(str(path))
        for value in event.summary.value
        if value.tag == "epoch_jitter/stddev"
    ]
    assert values == pytest.approx([0.2, 0.1])


def no_injected_prefetch(dataset):
    options = tf.data.Options()
    options.experimental_optimization.inject_prefetch = False
    return dataset.with_options(options)


def std_of(element):
    return float(tf.math.reduce_std(element))


@pytest.mark.parametrize("inject_prefetch", [False, True], ids=["exact", "default_options"])
def test_strength_change_reaches_an_already_built_iterator(inject_prefetch):
    jitter = kn.layers.Jitter(0.0, name="data_jitter", seed=3)
    dataset = tf.data.Dataset.from_tensors(tf.zeros((256, 128))).repeat().map(jitter)
    if not inject_prefetch:
        dataset = no_injected_prefetch(dataset)
    model = zero_model()
    callback = NoiseScheduler(kn.schedules.Piecewise([1], [0.1, 0.4]), layers=[jitter])
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    iterator = iter(dataset)  # built once, before the change
    assert std_of(next(iterator)) == pytest.approx(0.1, rel=0.03)
    callback.on_epoch_begin(1)
    stds = np.array([std_of(next(iterator)) for _ in range(16)])
    if not inject_prefetch:
        np.testing.assert_allclose(stds, 0.4, rtol=0.03)
    else:
        # tf.data's injected (autotuned) prefetch may hold a few elements computed at the old
        # strength: every element has one of the two strengths, and once new stays new.
        is_new = np.abs(stds - 0.4) < 0.4 * 0.03
        assert np.all(is_new | (np.abs(stds - 0.1) < 0.1 * 0.03))
        assert is_new[-1] and np.all(np.diff(is_new.astype(int)) >= 0)


def model_fit_epochs(dataset, jitter, **fit_kwargs):
    schedule = kn.schedules.Piecewise([1, 2], [0.1, 0.5, 0.2])
    return zero_model().fit(
        dataset,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[NoiseScheduler(schedule, layers=[jitter])],
        **fit_kwargs,
    )


def test_tf_data_layer_in_fit_fresh_iterator_per_epoch():
    # fit builds a new iterator per epoch, after on_epoch_begin: exact even with default options.
    jitter = kn.layers.Jitter(0.0, name="data_jitter", seed=4)
    dataset = tf.data.Dataset.from_tensor_slices((zeros(), zeros())).batch(128).map(jitter)
    history = model_fit_epochs(dataset, jitter)
    for loss, stddev in zip(history.history["loss"], (0.1, 0.5, 0.2), strict=True):
        assert_power(loss, stddev)
    assert history.history["data_jitter/stddev"] == pytest.approx([0.1, 0.5, 0.2])


def test_tf_data_layer_in_fit_with_a_persistent_iterator():
    # With steps_per_epoch one iterator spans the epochs; without tf.data's injected prefetch
    # (whose buffer makes the switch lag by a few elements) the switch is exact.
    jitter = kn.layers.Jitter(0.0, name="data_jitter", seed=5)
    dataset = tf.data.Dataset.from_tensors((zeros(128), zeros(128))).repeat().map(jitter)
    history = model_fit_epochs(no_injected_prefetch(dataset), jitter, steps_per_epoch=8)
    for loss, stddev in zip(history.history["loss"], (0.1, 0.5, 0.2), strict=True):
        assert_power(loss, stddev)


def test_selection_by_class_name_list_and_dict_groups():
    a = kn.layers.Jitter(0.0, name="a")
    b = kn.layers.MultiplicativeNoise(0.0, name="b")
    c = kn.layers.Jitter(0.0, name="c")
    outside = kn.layers.SaltAndPepper(0.0, name="outside")
    model = zero_model(a, b, Holder(c))

    def resolved(callback):
        return sorted(x.component.name for x in callback.resolve(model))

    constant = kn.schedules.Constant(0.1)
    assert resolved(NoiseScheduler(constant)) == ["a", "b", "c"]
    assert resolved(NoiseScheduler(constant, layers=kn.layers.Jitter)) == ["a", "c"]
    assert resolved(NoiseScheduler(constant, layers="b")) == ["b"]
    assert resolved(NoiseScheduler(constant, layers=["a", outside])) == ["a", "outside"]
    groups = NoiseScheduler(
        {kn.layers.Jitter: constant, ("b", outside): kn.schedules.Constant(0.2)}
    )
    model.fit(zeros(128), zeros(128), epochs=1, verbose=0, callbacks=[groups])
    values = {x.component.name: float(x.component.strength.numpy()) for x in groups.assignments}
    assert values == pytest.approx({"a": 0.1, "c": 0.1, "b": 0.2, "outside": 0.2})


def test_none_key_takes_the_components_no_other_group_selected():
    model = zero_model(kn.layers.Jitter(0.0, name="a"), kn.layers.Jitter(0.0, name="b"))
    callback = NoiseScheduler({None: kn.schedules.Constant(0.1), "b": kn.schedules.Constant(0.2)})
    model.fit(zeros(128), zeros(128), epochs=1, verbose=0, callbacks=[callback])
    values = {x.key: float(x.component.strength.numpy()) for x in callback.assignments}
    assert values == pytest.approx({"a/stddev": 0.1, "b/stddev": 0.2})


def test_model_that_is_a_component_is_selected_by_name_not_by_default():
    """Issue #12: the default selection also moved AdversarialModel's epsilon."""
    model = EpsilonModel(name="adv")
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="has none.*selected by name or class only"):
        NoiseScheduler(kn.schedules.Constant(1.0)).resolve(model)
    history = model.fit(
        np.zeros((8, 3)),
        np.zeros((8, 2)),
        epochs=2,
        verbose=0,
        callbacks=[NoiseScheduler(kn.schedules.Linear(0.0, 1.0, duration=1), layers="adv")],
    )
    assert history.history["adv/epsilon"] == pytest.approx([0.0, 1.0])


def test_gradient_noise_eta_is_scheduled_when_selected():
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    model.compile(kn.optimizers.GradientNoise(keras.optimizers.SGD(0.0), name="gn"), "mse")
    schedule = {
        kn.optimizers.GradientNoise: kn.schedules.Linear(0.2, 0.0, duration=2),
        "jitter": kn.schedules.Constant(0.1),
    }
    history = model.fit(
        zeros(128), zeros(128), epochs=3, verbose=0, callbacks=[NoiseScheduler(schedule)]
    )
    assert history.history["gn/eta"] == pytest.approx([0.2, 0.1, 0.0])
    assert history.history["jitter/stddev"] == pytest.approx([0.1] * 3)
    # Not part of the default selection.
    default = NoiseScheduler(kn.schedules.Constant(0.1)).resolve(model)
    assert [x.key for x in default] == ["jitter/stddev"]


def test_duplicate_names_get_distinct_log_keys():
    model = zero_model(kn.layers.Jitter(0.0, name="j"))
    outside = kn.layers.Jitter(0.0, name="j")
    callback = NoiseScheduler(kn.schedules.Constant(0.1), layers=[model.layers[0], outside])
    assert [x.key for x in callback.resolve(model)] == ["j/stddev", "j/stddev_2"]


@pytest.mark.parametrize(
    ("value", "shown"), [(-0.1, "-0.1"), (math.nan, "nan")], ids=["negative", "nan"]
)
def test_bad_schedule_value_fails_at_first_assignment(value, shown):
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))

    def schedule(epoch):
        return 0.1 if epoch < 1 else value

    with pytest.raises(
        ValueError, match=rf"`jitter.stddev`: expected a float >= 0.*{shown}.*epoch 1"
    ):
        model.fit(zeros(128), zeros(128), epochs=3, verbose=0, callbacks=[NoiseScheduler(schedule)])
    assert float(model.layers[0].strength.numpy()) == pytest.approx(0.1)  # never assigned


def test_negative_linear_schedule_names_schedule_and_value():
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    callback = NoiseScheduler(kn.schedules.Linear(0.1, -0.1, duration=2))
    with pytest.raises(ValueError, match=r"Received: jitter.stddev=-0.1 \(from NoiseScheduler "):
        model.fit(zeros(128), zeros(128), epochs=3, verbose=0, callbacks=[callback])


@pytest.mark.parametrize(
    ("layers", "match"),
    [
        ("nope", "no layer or optimizer named 'nope' in model 'zero_model'.*found: 'jitter'"),
        ("dense", r"'dense' \(Dense\) is not a noise component.*found: 'jitter' \(Jitter\)"),
        (kn.layers.SaltAndPepper, "no noise component of class SaltAndPepper"),
        (keras.layers.Dense, "no noise component of class Dense"),
    ],
)
def test_unknown_or_non_noise_selection_fails_at_train_begin(layers, match):
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    callback = NoiseScheduler(kn.schedules.Constant(0.1), layers=layers)
    with pytest.raises(ValueError, match=rf"Invalid value for `layers`: .*{match}"):
        model.fit(zeros(128), zeros(128), epochs=1, verbose=0, callbacks=[callback])


def test_model_without_noise_components():
    model = zero_model()
    with pytest.raises(ValueError, match="has none. tf.data layers live outside the model"):
        NoiseScheduler(kn.schedules.Constant(0.1)).resolve(model)


def test_component_in_two_groups():
    model = zero_model(kn.layers.Jitter(0.0, name="jitter"))
    callback = NoiseScheduler(
        {"jitter": kn.schedules.Constant(0.1), kn.layers.Jitter: kn.schedules.Constant(0.2)}
    )
    with pytest.raises(ValueError, match=r"'jitter' \(Jitter\) is selected by both"):
        callback.resolve(model)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (
            lambda: NoiseScheduler(kn.schedules.Constant(0.1), layers=[keras.layers.Dense(2)]),
            ValueError,
            r"`layers`: .*'dense.*' \(Dense\) is not a noise component",
        ),
        (
            lambda: NoiseScheduler(kn.schedules.Constant(0.1), layers=[]),
            ValueError,
            "`layers`: .*not an empty list",
        ),
        (lambda: NoiseScheduler(0.1), TypeError, "Invalid type for `schedule`"),
        (
            lambda: NoiseScheduler(kn.schedules.Constant(0.1), per="batch"),
            ValueError,
            "`per`: expected one of 'epoch', 'step'",
        ),
        (
            lambda: NoiseScheduler({"a": kn.schedules.Constant(0.1)}, layers="a"),
            ValueError,
            "`layers`: expected None when `schedule` is a dict",
        ),
    ],
)
def test_bad_arguments(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_config_round_trip():
    jitter = kn.layers.Jitter(0.1, name="data_jitter")
    single = NoiseScheduler(
        kn.schedules.Cosine(0.2, 0.0, duration=5), layers=[kn.layers.Jitter, jitter], per="step"
    )
    grouped = NoiseScheduler(
        {
            ("a", kn.layers.SaltAndPepper): kn.schedules.Constant(0.1),
            kn.optimizers.GradientNoise: kn.schedules.Linear(0.3, 0.0, duration=10),
            None: kn.schedules.Constant(0.05),
        },
        verbose=1,
    )
    for callback in (single, grouped):
        config = callback.get_config()
        restored = NoiseScheduler.from_config(config)
        assert restored.get_config() == config
        restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(callback)
        )
        assert restored.get_config() == config
    # Explicit components are stored by name; the restored callback selects by name.
    assert single.get_config()["layers"] == [{"class": "keras_noise>Jitter"}, "data_jitter"]


def test_mirrored_strategy_fit(mirrored_strategy):
    with mirrored_strategy.scope():
        model = zero_model(kn.layers.Jitter(0.0, name="jitter", seed=6))
    schedule = kn.schedules.Piecewise([1], [0.1, 0.3])
    history = model.fit(
        zeros(),
        zeros(),
        batch_size=128,
        epochs=2,
        verbose=0,
        callbacks=[NoiseScheduler(schedule)],
    )
    for loss, stddev in zip(history.history["loss"], (0.1, 0.3), strict=True):
        assert_power(loss, stddev)
