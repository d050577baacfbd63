"""The everyday patterns of issue #12, each as a user writes it, asserting what the noise does."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn


def changed(out, x) -> float:
    return float(np.mean(np.asarray(out) != np.asarray(x)))


def _images(n=8, shape=(16, 12, 3), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, *shape)).astype("float32")


# ------------------------------------------------------------------------ augmentation blocks
def test_keras_guide_augmentation_sequential_in_ds_map_and_direct_call():
    """Issue #12 item 1: this changed 0% of the values."""
    aug = keras.Sequential(
        [kn.layers.Jitter(0.1, seed=0), kn.layers.Cutout(size_fraction=0.5, seed=1)]
    )
    x, y = _images(), np.arange(8)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    out = np.concatenate([a for a, _ in ds.map(lambda a, b: (aug(a), b))])
    assert changed(out, x) > 0.99, "Jitter changes every value"
    images_only = tf.data.Dataset.from_tensor_slices(x).batch(4).map(aug)
    assert changed(np.concatenate(list(images_only)), x) > 0.99
    assert changed(aug(x), x) > 0.99
    holes = np.asarray(keras.Sequential([kn.layers.Cutout(size_fraction=0.5, seed=1)])(x)) == 0
    assert holes.reshape(8, -1).any(axis=1).all(), "every image gets its hole"
    assert changed(aug(x, training=False), x) == 0


def test_augmentation_block_at_the_top_of_a_classifier_follows_keras():
    aug = keras.Sequential([kn.layers.Jitter(0.3, seed=0)], name="aug")
    inputs = keras.Input((16, 12, 3))
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(aug(inputs)))
    model = keras.Model(inputs, outputs)
    x = _images()
    clean = model(x, training=False)
    assert changed(model(x), clean) == 0, "model(x) is inference, as in Keras"
    assert changed(model.predict(x, verbose=0), clean) < 1e-6 or np.allclose(
        model.predict(x, verbose=0), clean, atol=1e-6
    )
    assert changed(model(x, training=True), clean) > 0.9


def test_subclassed_model_with_a_lazily_built_dense_is_a_model():
    class Classifier(keras.Model):
        def __init__(self):
            super().__init__()
            self.jitter = kn.layers.Jitter(0.5, seed=0)
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.jitter(x))

    model, x = Classifier(), np.ones((4, 3), "float32")
    first = model(x)  # the Dense is built after the Jitter runs
    np.testing.assert_array_equal(first, model(x, training=False))
    assert changed(model(x, training=True), first) > 0


def test_time_distributed_cutout_masks_each_frame():
    frames = np.ones((2, 5, 12, 10, 3), "float32")  # (batch, time, height, width, channels)
    layer = keras.layers.TimeDistributed(kn.layers.Cutout(size_pixels=4, seed=0))
    out = np.asarray(layer(frames))
    holes = (out == 0).all(axis=-1)
    assert holes.reshape(10, -1).sum(axis=1).min() > 0, "every frame gets a hole"
    assert np.all(holes.reshape(10, -1).sum(axis=1) <= 16)
    assert changed(layer(frames, training=False), frames) == 0
    inputs = keras.Input((5, 12, 10, 3))
    model = keras.Model(inputs, keras.layers.Conv3D(1, 1)(layer(inputs)))
    np.testing.assert_array_equal(model(frames), model(frames, training=False))


# ----------------------------------------------------------------------- dataset structures
def test_tfds_dict_with_singular_keys_per_example_then_batched_mixup():
    images = (_images() * 255).astype("uint8")
    ds = tf.data.Dataset.from_tensor_slices({"image": images, "label": np.arange(8) % 3})
    ds = ds.map(kn.layers.Cutout(size_fraction=0.5, seed=0))  # one (16, 12, 3) image per element
    first = next(iter(ds))
    assert sorted(first) == ["image", "label"] and first["image"].dtype == tf.uint8
    hole = (np.asarray(first["image"]) == 0).all(axis=-1).sum()
    assert 0 < hole <= 48  # an 8x6 hole, clipped where it crosses the border
    batch = next(iter(ds.batch(8).map(kn.layers.MixUp(0.4, num_classes=3, seed=0))))
    np.testing.assert_allclose(np.asarray(batch["label"]).sum(axis=1), 1.0, rtol=1e-6)
    assert batch["label"].shape == (8, 3)


def test_features_dict_and_labels_need_the_input_named():
    features = {
        "age": np.random.default_rng(0).normal(size=(8, 1)).astype("float32"),
        "income": np.random.default_rng(1).normal(size=(8, 1)).astype("float32"),
    }
    ds = tf.data.Dataset.from_tensor_slices((features, np.arange(8))).batch(8)
    with pytest.raises(ValueError, match=r"features are a dict.*\['age', 'income'\].*key_map"):
        ds.map(kn.layers.Jitter(0.1))
    layer = kn.layers.FeatureMask(rate=0.5, key_map={"features": "income"}, seed=0)
    out, labels = next(iter(ds.map(layer)))
    assert changed(out["income"], features["income"]) > 0
    assert changed(out["age"], features["age"]) == 0 and changed(labels, np.arange(8)) == 0
    with pytest.raises(ValueError, match=r"mixes whole examples.*dict of 2 model inputs"):
        ds.map(kn.layers.MixUp(num_classes=8))
    inputs, smoothed = next(iter(ds.map(kn.layers.LabelSmoothing(0.2, num_classes=8))))
    np.testing.assert_allclose(np.asarray(smoothed).max(axis=1), 0.8 + 0.2 / 8, rtol=1e-6)
    assert changed(inputs["age"], features["age"]) == 0


def test_ambiguous_dict_keys_are_an_error():
    element = {"image": np.zeros((2, 2, 3), "float32"), "images": np.zeros((2, 2, 3), "float32")}
    with pytest.raises(ValueError, match=r"several possible features keys.*key_map"):
        kn.layers.Jitter(0.1)(element)


# ------------------------------------------------------------------------------- layouts
def test_frequency_mask_on_per_example_spectrograms_masks_whole_bins():
    """Issue #12 item 2: (frames, bins, 1) zeroed 75% of scattered values and no whole bin."""
    spectrograms = np.ones((6, 50, 40, 1), "float32")
    ds = tf.data.Dataset.from_tensor_slices((spectrograms, np.arange(6)))
    with pytest.raises(ValueError, match=r"rank-3 input is either one example.*batched="):
        ds.map(kn.layers.FrequencyMask(max_width=8))
    masked = ds.map(kn.layers.FrequencyMask(max_width=8, num_bands=2, batched=False, seed=0))
    for spectrogram, _ in masked:
        zero = np.asarray(spectrogram)[..., 0] == 0
        bins = zero.all(axis=0)
        assert np.array_equal(zero.any(axis=0), bins), "only whole bins are masked"
        assert bins.sum() <= 16
    time = kn.layers.TimeMask(max_width=10, batched=False, seed=0)(spectrograms[0])
    zero = np.asarray(time)[..., 0] == 0
    assert np.array_equal(zero.any(axis=1), zero.all(axis=1)) and zero.any()


def test_temporal_dropout_before_batch_drops_time_steps_not_examples():
    sequence = np.ones((40, 3), "float32")  # one (time, features) example
    out = np.asarray(kn.layers.TemporalDropout(rate=0.5, batched=False, seed=0)(sequence))
    dropped = (out == 0).all(axis=1)
    assert np.array_equal((out == 0).any(axis=1), dropped) and 5 < dropped.sum() < 35
    with pytest.raises(ValueError, match=r"rank-2 input is either one example \(time, features\)"):
        kn.layers.TemporalDropout(rate=0.5)(sequence)


def test_add_noise_snr_on_one_stereo_waveform_draws_one_snr():
    stereo = np.random.default_rng(0).normal(size=(4000, 2)).astype("float32")
    layer = kn.layers.AddNoiseSNR(snr_db=(0.0, 30.0), batched=False, seed=0)
    out = np.asarray(layer(stereo))
    snr = 10 * np.log10((stereo**2).mean() / ((out - stereo) ** 2).mean())
    assert 0.0 <= snr <= 30.0
    # one SNR per example: the noise power follows the whole waveform, not 2-sample rows
    rows = 10 * np.log10((stereo**2).sum(1) / ((out - stereo) ** 2).sum(1))
    assert rows.std() > 1.0  # white noise per row varies around the one SNR
    with pytest.raises(ValueError, match=r"rank-2 input is either one example \(time, channels\)"):
        kn.layers.AddNoiseSNR(snr_db=10.0)(stereo)


# -------------------------------------------------------------------------------- labels
def test_float_class_ids_after_batch_get_the_cast_hint():
    x, y = _images(), np.array([0, 2, 1, 0, 1, 2, 0, 1], "float32")
    with pytest.raises(ValueError, match=r"tf.cast\(y, tf.int32\).*float labels of shape \(8,\)"):
        kn.layers.MixUp(num_classes=3)(x, y)


def test_the_first_error_with_sparse_labels_names_the_whole_set_up():
    """Issue #12 item 4: the first error a sparse-label user meets leads to a working set-up."""
    x, y = _images(), np.arange(8) % 3
    with pytest.raises(ValueError, match=r"num_classes=10\).*`categorical_crossentropy`.*one_hot"):
        kn.layers.MixUp(0.4)(x, y)


def test_sparse_labels_with_mixup_the_documented_set_up_trains():
    """MixUp turns class ids into probabilities: categorical cross-entropy, one-hot validation."""
    x, y = _images(16, (6, 6, 1)), np.arange(16) % 3
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    train = train.map(kn.layers.MixUp(0.4, num_classes=3, seed=0))
    val = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    val = val.map(lambda a, b: (a, tf.one_hot(b, 3)))
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    model.compile(
        "adam", keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    history = model.fit(train, validation_data=val, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and np.isfinite(history.history["val_loss"][0])


def test_uint8_images_with_a_unit_value_range_are_refused():
    """Issue #12 item 5: uint8 images with value_range=(0, 1) were binarised."""
    images = (_images() * 255).astype("uint8")
    with pytest.raises(ValueError, match=r"`value_range` of layer 'j'.*would binarise"):
        kn.layers.Jitter(5.0, value_range=(0, 1), name="j")(images)
    out = np.asarray(kn.layers.Jitter(5.0, value_range=(0, 255), seed=0)(images))
    assert out.dtype == np.uint8 and len(np.unique(out)) > 100


# ------------------------------------------------------------------------------ wrappers
def test_bidirectional_weight_noise_lstm_trains_saves_and_predicts_clean(tmp_path):
    """Issue #12 item 6: Unrecognized keyword arguments ... {'go_backwards': True}."""
    x = np.random.default_rng(0).normal(size=(8, 5, 3)).astype("float32")
    wrapped = kn.layers.WeightNoise(keras.layers.LSTM(4), stddev=0.5, seed=0)
    bidirectional = keras.layers.Bidirectional(wrapped)
    assert bidirectional.backward_layer.layer.go_backwards
    assert not bidirectional.forward_layer.layer.go_backwards
    model = keras.Sequential([keras.Input((5, 3)), bidirectional, keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, np.zeros((8, 1)), epochs=1, verbose=0)
    clean = model.predict(x, verbose=0)
    np.testing.assert_array_equal(clean, model.predict(x, verbose=0))
    assert changed(model(x, training=True), clean) > 0
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), clean, rtol=1e-5, atol=1e-6)


def test_wrapped_multi_input_layer_gets_all_its_inputs():
    attention = kn.layers.WeightNoise(keras.layers.MultiHeadAttention(2, 4), stddev=0.3, seed=0)
    query = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    value = np.random.default_rng(1).normal(size=(2, 7, 3)).astype("float32")
    clean = attention(query, value)
    assert clean.shape == (2, 5, 3)
    np.testing.assert_array_equal(clean, attention.layer(query, value))
    assert changed(attention(query, value, training=True), clean) > 0


def test_positional_training_is_not_taken_for_labels():
    """Issue #12 item 6: layer(x, True) returned (x, True)."""
    x = np.ones((2, 3), "float32")
    for layer in (kn.layers.ActivationNoise(0.1), kn.layers.Jitter(0.1)):
        with pytest.raises(ValueError, match=r"passed as a keyword argument: True"):
            layer(x, True)
