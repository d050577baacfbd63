"""What the input-noise layers do: statistics, integer inputs, value ranges and bad arguments.

Statistical tolerances are many standard errors wide and are checked over several seeds.
"""

import math

import numpy as np
import pytest

import keras_noise as kn

SEEDS = [0, 1, 2, 3, 4]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_jitter_noise_has_zero_mean_and_the_requested_std(seed, distribution):
    x = np.full((200, 500), 0.5, "float32")  # 100k draws: std error of the std ~0.22%
    layer = kn.layers.Jitter(stddev=0.2, distribution=distribution, seed=seed)
    noise = np.asarray(layer(x, training=True)) - x
    assert abs(noise.mean()) < 0.2 * 0.02
    assert noise.std() == pytest.approx(0.2, rel=0.02)
    if distribution == "uniform":
        assert np.abs(noise).max() <= 0.2 * np.sqrt(3) + 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_multiplicative_noise_scales_with_the_input(seed):
    x = np.full((200, 500), 2.0, "float32")
    y = np.asarray(kn.layers.MultiplicativeNoise(stddev=0.1, seed=seed)(x, training=True))
    assert y.mean() == pytest.approx(2.0, abs=2.0 * 0.1 * 0.02)
    assert y.std() == pytest.approx(0.2, rel=0.02)


@pytest.mark.parametrize("seed", SEEDS)
def test_salt_and_pepper_hits_the_requested_fraction_half_salt(seed):
    x = np.full((100, 1000), 0.5, "float32")  # 100k entries: std error of the fraction ~0.1%
    y = np.asarray(kn.layers.SaltAndPepper(rate=0.1, seed=seed)(x, training=True))
    hit = y != 0.5
    assert hit.mean() == pytest.approx(0.1, abs=0.006)
    assert set(np.unique(y[hit])) <= {0.0, 1.0}
    assert (y[hit] == 1.0).mean() == pytest.approx(0.5, abs=0.03)


def test_salt_and_pepper_shared_axes_hits_whole_pixels_on_non_square_images():
    x = np.full((16, 24, 40, 3), 0.5, "float32")
    layer = kn.layers.SaltAndPepper(rate=0.3, shared_axes=(-1,), seed=0)
    y = np.asarray(layer(x, training=True))
    hit = y != 0.5
    assert np.all(hit.all(axis=-1) == hit.any(axis=-1)), "a pixel is hit in all channels or none"
    assert hit[..., 0].mean() == pytest.approx(0.3, abs=0.03)


def test_integer_images_are_rounded_clipped_and_keep_their_dtype():
    x = np.random.default_rng(0).integers(0, 256, size=(8, 12, 20, 3)).astype("uint8")
    y = np.asarray(kn.layers.Jitter(stddev=20.0, value_range=(0, 255), seed=0)(x, training=True))
    assert y.dtype == np.uint8
    expected_changed = np.abs(y.astype(int) - x.astype(int)).mean()
    assert 5 < expected_changed < 25, "noise of stddev 20 grey levels, rounded and clipped"


def test_integer_outputs_are_rounded_to_the_nearest_level_not_truncated():
    """Noise of stddev 0.3 grey levels on 128: rounding keeps 128 where |noise| < 0.5 (90.4%)
    and is unbiased; truncation would turn every negative draw into 127 (mean change -0.5)."""
    x = np.full((8, 12, 20, 3), 128, "uint8")
    y = np.asarray(kn.layers.Jitter(stddev=0.3, value_range=(0, 255), seed=0)(x, training=True))
    change = y.astype(int) - 128
    assert abs(change.mean()) < 0.05  # 0.3 / sqrt(5760) = 0.004 standard error
    assert np.mean(change == 0) == pytest.approx(math.erf(0.5 / (0.3 * math.sqrt(2))), abs=0.03)


@pytest.mark.parametrize(
    "layer",
    [
        kn.layers.Jitter(stddev=0.1),
        kn.layers.MultiplicativeNoise(stddev=0.1),
        kn.layers.SaltAndPepper(rate=0.1),
    ],
    ids=["jitter", "multiplicative", "salt_and_pepper"],
)
def test_integer_inputs_without_a_value_range_are_rejected(layer):
    with pytest.raises(ValueError, match=r"integer inputs \(uint8\) need a declared value range"):
        layer(np.zeros((2, 4, 4, 1), "uint8"), training=True)


def test_non_numeric_inputs_are_rejected():
    with pytest.raises(TypeError, match="expected a float or integer tensor. Received: dtype=bool"):
        kn.layers.Jitter(stddev=0.1)(np.zeros((2, 3), bool), training=True)


def test_value_range_clips_float_outputs():
    x = np.random.default_rng(0).uniform(0, 1, (64, 64)).astype("float32")
    y = np.asarray(kn.layers.Jitter(stddev=1.0, value_range=(0, 1), seed=0)(x, training=True))
    assert y.min() == 0.0 and y.max() == 1.0


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (
            lambda: kn.layers.Jitter(stddev=-1),
            r"`stddev`: expected a float >= 0. Received: stddev=-1",
        ),
        (lambda: kn.layers.Jitter(stddev=True), r"Received: stddev=True"),
        (lambda: kn.layers.Jitter(stddev="0.1"), r"Received: stddev='0.1'"),
        (lambda: kn.layers.Jitter(stddev=float("nan")), r"Received: stddev=nan"),
        (
            lambda: kn.layers.Jitter(stddev=0.1, distribution="gauss"),
            r"`distribution`: expected one of",
        ),
        (
            lambda: kn.layers.Jitter(stddev=0.1, value_range=(1, 0)),
            r"`value_range`: expected a pair",
        ),
        (
            lambda: kn.layers.Jitter(stddev=0.1, seed=-1),
            r"`seed`: expected None or an integer >= 0",
        ),
        (lambda: kn.layers.Jitter(stddev=0.1, seed=1.5), r"Received: seed=1.5"),
        (
            lambda: kn.layers.SaltAndPepper(rate=1.5),
            r"`rate`: expected a float in \[0, 1\]. Received: rate=1.5",
        ),
        (lambda: kn.layers.SaltAndPepper(rate=0.1, salt_ratio=2), r"`salt_ratio`"),
        (lambda: kn.layers.SaltAndPepper(rate=0.1, shared_axes="x"), r"`shared_axes`"),
        (lambda: kn.layers.MultiplicativeNoise(stddev=-0.5), r"Received: stddev=-0.5"),
    ],
)
def test_bad_arguments_fail_at_construction_with_the_shared_message(factory, message):
    with pytest.raises(
        ValueError, match=r"Invalid value for " + message if message.startswith("`") else message
    ):
        factory()


def test_shared_axes_out_of_range_fails_at_build_naming_the_rank():
    layer = kn.layers.SaltAndPepper(rate=0.1, shared_axes=(5,))
    with pytest.raises(ValueError, match=r"`shared_axes`: expected axes of an input of rank 2"):
        layer(np.zeros((2, 3), "float32"), training=True)


def test_set_strength_validates_and_names_the_layer():
    layer = kn.layers.SaltAndPepper(rate=0.1, name="sp")
    with pytest.raises(
        ValueError, match=r"`sp.rate`: expected a float in \[0, 1\]. Received: sp.rate=nan"
    ):
        layer.set_strength(float("nan"))
    layer.set_strength(0.4)
    assert float(layer.strength.numpy()) == pytest.approx(0.4)


def test_a_dict_without_a_features_key_lists_the_keys_found():
    with pytest.raises(ValueError, match=r"without a features key.*Received keys: \['a', 'b'\]"):
        kn.layers.Jitter(stddev=0.1)({"a": np.zeros((2, 2)), "b": np.zeros(2)})


def test_seed_generator_exists_at_strength_zero_and_is_saved():
    layer = kn.layers.Jitter(stddev=0.0, seed=4)
    assert layer.seed_generator is not None
    assert any("seed_generator_state" in v.path for v in layer.variables)
