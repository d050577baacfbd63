"""What TimeMask, FrequencyMask, TemporalDropout, AddNoiseSNR and SpeedPerturb do.

Statistical tolerances are >= 5 standard errors wide and are checked over several seeds.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from deprecation import check_renamed_keyword
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_noise as kn
from keras_noise.ops import audio, sequence, spectral

SEEDS = [0, 1, 2]


def _runs(mask_1d):
    """The lengths of the runs of True in a 1-D boolean array."""
    padded = np.concatenate([[False], mask_1d, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return edges[1::2] - edges[::2]


def _snr_db(clean, noisy, axes):
    signal = (clean.astype("float64") ** 2).mean(axis=axes)
    noise = ((noisy.astype("float64") - clean) ** 2).mean(axis=axes)
    return 10 * np.log10(signal / noise)


# ------------------------------------------------------------------------------- SpecAugment
def test_time_mask_masks_whole_frames_in_at_most_num_masks_bands():
    x = np.ones((64, 100, 40), "float32")
    y = np.asarray(kn.layers.TimeMask(max_width=12, num_bands=2, batched=True, seed=0)(x))
    masked = y == 0
    frames = masked.all(axis=2)
    assert np.all(masked.any(axis=2) == frames), "a masked frame is masked in every bin"
    for example in frames:
        runs = _runs(example)
        assert len(runs) <= 2 and np.all(runs <= 24)
    assert frames.sum(axis=1).max() <= 24 and frames.any()


def test_frequency_mask_masks_whole_bins_across_frames_and_channels():
    x = np.ones((32, 50, 40, 2), "float32")
    y = np.asarray(kn.layers.FrequencyMask(max_width=8, fill_value=-1.0, seed=0)(x))
    masked = y == -1
    bins = masked.all(axis=(1, 3))
    assert np.all(masked.any(axis=(1, 3)) == bins)
    for example in bins:
        assert len(_runs(example)) <= 1 and example.sum() <= 8
    assert len({b.tobytes() for b in bins}) > 10, "bands are drawn per example"


@pytest.mark.parametrize("seed", SEEDS)
def test_band_widths_are_uniform_on_zero_to_max_width(seed):
    x = np.ones((4000, 200, 3), "float32")
    y = np.asarray(kn.layers.TimeMask(max_width=20, batched=True, seed=seed)(x))
    widths = (y == 0).all(axis=2).sum(axis=1)
    assert widths.max() == 20 and widths.min() == 0
    # uniform on {0..20}: mean 10, std sqrt((21**2 - 1) / 12)
    stderr = np.sqrt((21**2 - 1) / 12 / len(widths))
    assert abs(widths.mean() - 10.0) < 5 * stderr


def test_max_fraction_caps_the_band_width():
    x = np.ones((500, 50, 4), "float32")
    y = np.asarray(kn.layers.TimeMask(max_width=40, max_fraction=0.1, batched=True, seed=0)(x))
    widths = (y == 0).all(axis=2).sum(axis=1)
    assert widths.max() == 5


@pytest.mark.parametrize("seed", SEEDS)
def test_band_rate_is_the_probability_that_a_band_is_applied(seed):
    x = np.ones((3000, 30, 20), "float32")
    layer = kn.layers.FrequencyMask(max_width=5, probability=0.4, batched=True, seed=seed)
    applied = (np.asarray(layer(x)) == 0).any(axis=(1, 2))
    # a drawn band is empty with probability 1/6
    expected = 0.4 * 5 / 6
    assert abs(applied.mean() - expected) < 5 * np.sqrt(expected * (1 - expected) / 3000)


def test_single_spectrogram_and_integer_spectrogram():
    single = np.asarray(kn.layers.TimeMask(max_width=5, seed=3)(np.ones((30, 8), "float32")))
    assert single.shape == (30, 8)
    ints = np.full((2, 30, 8), 7, "int16")
    out = np.asarray(kn.layers.FrequencyMask(max_width=4, num_bands=3, batched=True, seed=0)(ints))
    assert out.dtype == np.int16 and set(np.unique(out)) <= {0, 7}


@settings(max_examples=15, deadline=None)
@given(
    batch=st.integers(1, 4),
    length=st.integers(1, 60),
    max_width=st.integers(0, 70),
    num_bands=st.integers(1, 3),
    max_fraction=st.floats(0.0, 1.0),
)
def test_band_mask_property_bands_fit_and_respect_both_caps(
    batch, length, max_width, num_bands, max_fraction
):
    seed = tf.constant([batch, length], tf.int64)
    mask = np.asarray(
        spectral.band_mask(
            batch,
            length,
            seed,
            max_width=max_width,
            num_bands=num_bands,
            max_fraction=max_fraction,
        )
    )
    widest = min(max_width, int(np.floor(np.float32(max_fraction) * np.float32(length))))
    assert mask.shape == (batch, length)
    for row in mask:
        runs = _runs(row)
        assert len(runs) <= num_bands and row.sum() <= num_bands * widest
        assert np.all(runs <= num_bands * widest)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: kn.layers.TimeMask(max_width=-1), r"`max_width`: expected an integer >= 0"),
        (lambda: kn.layers.TimeMask(max_width=2.5), r"Received: max_width=2.5"),
        (
            lambda: kn.layers.TimeMask(max_width=5, num_bands=0),
            r"`num_bands`: expected an integer >= 1",
        ),
        (
            lambda: kn.layers.FrequencyMask(max_width=5, max_fraction=1.5),
            r"`max_fraction`: expected",
        ),
        (
            lambda: kn.layers.FrequencyMask(max_width=5, probability=-1.0),
            r"`probability`: expected a float in \[0, 1\]",
        ),
        (lambda: kn.layers.FrequencyMask(max_width=5, fill_value=None), r"`fill_value`"),
    ],
)
def test_spectral_bad_arguments(factory, message):
    with pytest.raises(ValueError, match=r"^Invalid value for .*" + message):
        factory()


def test_spectral_bad_rank_names_the_received_shape():
    with pytest.raises(
        ValueError, match=r"layer 'tm': expected \(time, frequency\), .*shape=\(10,\)"
    ):
        kn.layers.TimeMask(max_width=3, name="tm")(np.ones((10,), "float32"))
    with pytest.raises(ValueError, match=r"layer 'tm': a rank-3 input is either one example"):
        kn.layers.TimeMask(max_width=3, name="tm")(np.ones((2, 10, 8), "float32"))
    with pytest.raises(ValueError, match=r"'tm': with batched=False, expected one example"):
        kn.layers.TimeMask(max_width=3, batched=False, name="tm")(np.ones((2, 10, 8, 1), "float32"))
    with pytest.raises(TypeError, match=r"layer 'fm': expected a float or integer.*dtype=bool"):
        kn.layers.FrequencyMask(max_width=3, batched=True, name="fm")(np.ones((2, 10, 8), bool))


# --------------------------------------------------------------------------- TemporalDropout
@pytest.mark.parametrize("seed", SEEDS)
def test_temporal_dropout_drops_whole_steps_at_the_requested_rate(seed):
    x = np.random.default_rng(seed).uniform(1, 2, (200, 100, 5)).astype("float32")
    y = np.asarray(kn.layers.TemporalDropout(rate=0.25, seed=seed)(x))
    dropped = (y == 0).all(axis=2)
    assert np.all((y == 0).any(axis=2) == dropped)
    assert abs(dropped.mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / dropped.size)
    np.testing.assert_array_equal(y[~dropped], x[~dropped])


def test_temporal_dropout_on_rank_2_and_rank_4_and_bad_inputs():
    layer = kn.layers.TemporalDropout(rate=1.0, fill_value=-5, batched=True, seed=0)
    assert np.all(np.asarray(layer(np.ones((2, 7)))) == -5)
    layer = kn.layers.TemporalDropout(rate=0.5, batched=True, seed=0)
    y = np.asarray(layer(np.ones((8, 30, 4, 3), "float32")))
    dropped = (y == 0).all(axis=(2, 3))
    assert np.all((y == 0).any(axis=(2, 3)) == dropped) and dropped.any()
    with pytest.raises(ValueError, match=r"layer 'td': a rank-2 input is either one example"):
        kn.layers.TemporalDropout(rate=0.5, name="td")(np.ones((2, 7), "float32"))
    with pytest.raises(ValueError, match=r"layer 'td': expected \(time,\), .*shape=\(\)"):
        kn.layers.TemporalDropout(rate=0.5, name="td")(np.ones((), "float32"))
    with pytest.raises(ValueError, match=r"'td': with batched=True, expected a batch.*\(7,\)"):
        kn.layers.TemporalDropout(rate=0.5, batched=True, name="td")(np.ones((7,), "float32"))
    with pytest.raises(
        ValueError, match=r"^Invalid value for `rate`: expected a float in \[0, 1\]"
    ):
        kn.layers.TemporalDropout(rate=1.2)


def _last_kept_reference(kept):
    out = np.full(kept.shape, -1)
    for b, row in enumerate(kept):
        last = -1
        for t, keep in enumerate(row):
            last = t if keep else last
            out[b, t] = last
    return out


@settings(max_examples=15, deadline=None)
@given(
    batch=st.integers(1, 4),
    length=st.integers(1, 40),
    probability=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_last_kept_step_property_matches_a_loop(batch, length, probability, seed):
    kept = np.random.default_rng(seed).uniform(size=(batch, length)) < probability
    np.testing.assert_array_equal(
        sequence.last_kept_step(tf.constant(kept)), _last_kept_reference(kept)
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_temporal_dropout_forward_fill_repeats_the_last_kept_step(seed):
    batch, length = 300, 60
    steps = np.arange(1, length + 1, dtype="float32")  # a unique value per step
    x = np.stack([steps, -steps], axis=-1)[None].repeat(batch, 0)  # (batch, time, 2)
    layer = kn.layers.TemporalDropout(rate=0.3, fill_mode="forward", fill_value=-99, seed=seed)
    y = np.asarray(layer(x))
    kept = (y == x).all(axis=-1)
    assert abs((~kept).mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / kept.size)
    source = _last_kept_reference(kept)
    leading = source < 0
    np.testing.assert_array_equal(y[leading], -99.0)
    rows, cols = np.nonzero(~leading)
    np.testing.assert_array_equal(y[rows, cols], x[rows, source[rows, cols]])
    assert leading.any() and (~kept & ~leading).any()


def test_temporal_dropout_forward_fill_on_rank_4_integers_and_in_a_jit_compiled_function():
    x = np.arange(2 * 30, dtype="int32").reshape(2, 30, 1, 1) * np.ones((1, 1, 3, 2), "int32")
    layer = kn.layers.TemporalDropout(rate=0.5, fill_mode="forward", batched=True, seed=0)
    y = np.asarray(tf.function(lambda t: layer(t, training=True), jit_compile=True)(x))
    assert y.dtype == np.int32
    assert np.all(y == y[:, :, :1, :1]), "a step is copied whole"
    values = y[:, :, 0, 0]
    assert np.all(np.diff(values, axis=1)[values[:, 1:] > 0] >= 0)
    assert (values != x[:, :, 0, 0]).any()


def test_temporal_dropout_bad_fill_mode_and_dtype():
    with pytest.raises(ValueError, match=r"^Invalid value for `fill_mode`: expected one of"):
        kn.layers.TemporalDropout(rate=0.5, fill_mode="backward")
    with pytest.raises(TypeError, match=r"layer 'td': expected a float or integer tensor"):
        kn.layers.TemporalDropout(rate=0.5, name="td")(np.ones((2, 5, 3), bool))
    with pytest.raises(ValueError, match=r"`fill_value` of layer 'td': expected an integer"):
        kn.layers.TemporalDropout(rate=0.5, fill_value=0.5, name="td")(np.ones((2, 5, 1), "int32"))


# -------------------------------------------------------------------------------- AddNoiseSNR
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("snr", [-5.0, 10.0, 30.0])
def test_add_noise_snr_hits_the_requested_snr_within_half_a_db(dtype, snr):
    t = np.linspace(0, 1, 8000, dtype="float32")
    amplitudes = np.array([0.01, 0.5, 1.0, 3.0], "float32")[:, None]
    x = amplitudes * np.sin(2 * np.pi * 440 * t)[None]
    x = keras.ops.convert_to_numpy(keras.ops.cast(x, dtype)).astype("float32")
    layer = kn.layers.AddNoiseSNR(snr_db=snr, batched=True, seed=0, dtype=dtype)
    y = layer(keras.ops.cast(x, dtype))
    assert y.dtype == dtype
    y = keras.ops.convert_to_numpy(keras.ops.cast(y, "float32"))
    measured = _snr_db(x, y, axes=1)
    np.testing.assert_allclose(measured, snr, atol=0.5)


@pytest.mark.parametrize("seed", SEEDS)
def test_add_noise_snr_draws_the_snr_per_example_from_the_range(seed):
    x = np.random.default_rng(seed).normal(size=(400, 2000, 2)).astype("float32")
    y = np.asarray(kn.layers.AddNoiseSNR(snr_db=(0.0, 30.0), seed=seed)(x))
    measured = _snr_db(x, y, axes=(1, 2))
    assert measured.min() > -0.5 and measured.max() < 30.5
    # uniform on [0, 30]: mean 15, std 30 / sqrt(12)
    assert abs(measured.mean() - 15.0) < 5 * 30 / np.sqrt(12 * 400)
    noise = (y - x).reshape(400, -1)
    assert abs(noise.mean()) < 0.01, "zero-mean noise"


def test_add_noise_snr_silent_inputs_stay_finite_and_other_examples_get_noise():
    x = np.zeros((3, 1000), "float32")
    x[1] = np.sin(np.arange(1000, dtype="float32"))
    for dtype in ("float32", "float16"):
        y = np.asarray(
            kn.layers.AddNoiseSNR(snr_db=10.0, batched=True, seed=0, dtype=dtype)(x.astype(dtype))
        )
        assert np.all(np.isfinite(y))
        np.testing.assert_array_equal(y[[0, 2]], 0.0)
        assert np.abs(y[1] - x[1]).max() > 0.01


def test_add_noise_snr_rate_is_the_probability_that_an_example_gets_noise():
    x = np.ones((2000, 50), "float32")
    y = np.asarray(kn.layers.AddNoiseSNR(snr_db=10.0, probability=0.3, batched=True, seed=0)(x))
    noisy = (y != x).any(axis=1)
    assert abs(noisy.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 2000)


def test_add_noise_snr_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"^Invalid value for `snr_db`: expected a pair"):
        kn.layers.AddNoiseSNR(snr_db=(20.0, 10.0))
    with pytest.raises(ValueError, match=r"^Invalid value for `snr_db`: expected a float finite"):
        kn.layers.AddNoiseSNR(snr_db=float("inf"))
    with pytest.raises(TypeError, match=r"layer 'snr': expected a float tensor.*dtype=int16"):
        kn.layers.AddNoiseSNR(snr_db=10.0, name="snr")(np.ones((2, 10, 1), "int16"))
    with pytest.raises(ValueError, match=r"layer 'snr': expected \(time,\), .*\(1, 2, 3, 4\)"):
        kn.layers.AddNoiseSNR(snr_db=10.0, name="snr")(np.ones((1, 2, 3, 4), "float32"))


# ------------------------------------------------------------------------ AddNoiseSNR: bank
@pytest.mark.parametrize("seed", SEEDS)
def test_add_noise_snr_from_a_noise_bank_hits_the_snr_range(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 1600)).astype("float32") * rng.uniform(0.1, 3, (300, 1))
    bank = rng.uniform(-1, 1, (5, 4000)).astype("float32")
    layer = kn.layers.AddNoiseSNR(snr_db=(0.0, 20.0), noise_bank=bank, batched=True, seed=seed)
    y = np.asarray(layer(x.astype("float32")))
    measured = _snr_db(x, y, axes=1)
    assert measured.min() > -0.5 and measured.max() < 20.5
    assert abs(measured.mean() - 10.0) < 5 * 20 / np.sqrt(12 * 300)


def test_noise_bank_segments_are_windows_or_loops_of_one_clip():
    ramp = np.arange(1, 101, dtype="float32")[None]  # one clip: 1, 2, ..., 100
    long_segments = np.asarray(
        audio.noise_from_bank(tf.constant(ramp), 500, 30, tf.constant([1, 2], tf.int64))
    )
    starts = long_segments[:, 0] - 1
    np.testing.assert_array_equal(long_segments, starts[:, None] + np.arange(1, 31))
    assert starts.min() == 0 and starts.max() == 70, "windows stay inside the clip"
    looped = np.asarray(
        audio.noise_from_bank(tf.constant(ramp), 50, 250, tf.constant([3, 4], tf.int64))
    )
    np.testing.assert_array_equal(looped[:, 100:], looped[:, :150])  # period: the clip length
    np.testing.assert_array_equal(np.sort(looped[:, :100], axis=1), ramp.repeat(50, 0))


@pytest.mark.parametrize("seed", SEEDS)
def test_noise_bank_clips_are_chosen_uniformly_per_example(seed):
    bank = np.array([[1.0] * 8, [-1.0] * 8], "float32")
    x = np.ones((4000, 8), "float32")
    y = np.asarray(kn.layers.AddNoiseSNR(snr_db=0.0, noise_bank=bank, batched=True, seed=seed)(x))
    positive = (y - x)[:, 0] > 0
    assert np.allclose(np.abs(y - x), 1.0, atol=1e-5)  # 0 dB of +-1 noise on a signal of ones
    assert abs(positive.mean() - 0.5) < 5 * np.sqrt(0.25 / 4000)


def test_noise_bank_with_channels_and_silent_inputs_or_clips():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 500, 2)).astype("float32")
    x[0] = 0.0
    bank = rng.normal(size=(3, 200, 2)).astype("float32")
    bank[1] = 0.0  # a silent clip adds nothing
    y = np.asarray(kn.layers.AddNoiseSNR(snr_db=5.0, noise_bank=bank, seed=0)(x))
    assert np.all(np.isfinite(y))
    np.testing.assert_array_equal(y[0], 0.0)
    noisy = (y != x).any(axis=(1, 2))
    snr = _snr_db(x[1:][noisy[1:]], y[1:][noisy[1:]], axes=(1, 2))
    np.testing.assert_allclose(snr, 5.0, atol=0.5)
    mono = np.asarray(
        kn.layers.AddNoiseSNR(snr_db=5.0, noise_bank=bank[..., 0], seed=0)(x[1:])
    )  # a (clips, length) bank adds the same noise to every channel
    residual = mono - x[1:]
    np.testing.assert_allclose(residual[..., 0], residual[..., 1], rtol=1e-4, atol=1e-6)


def test_noise_bank_round_trips_through_a_keras_file(tmp_path):
    bank = np.random.default_rng(0).normal(size=(2, 64)).astype("float32")
    inputs = keras.Input((100,))
    layer = kn.layers.AddNoiseSNR(snr_db=(5.0, 10.0), noise_bank=bank, batched=True, seed=0)
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True).layers[-1]
    np.testing.assert_array_equal(loaded.noise_bank, bank)
    x = np.random.default_rng(1).normal(size=(3, 100)).astype("float32")
    np.testing.assert_array_equal(
        loaded(x), kn.layers.AddNoiseSNR.from_config(layer.get_config())(x)
    )


def test_noise_bank_bad_values_and_shapes():
    expected = r"^Invalid value for `noise_bank`: expected an array of finite numbers of shape"
    for bank in (np.ones(10), np.ones((0, 10)), [["a", "b"]], np.full((2, 3), np.nan)):
        with pytest.raises(ValueError, match=expected):
            kn.layers.AddNoiseSNR(snr_db=10.0, noise_bank=bank)
    layer = kn.layers.AddNoiseSNR(snr_db=10.0, noise_bank=np.ones((2, 8, 3)), name="snr")
    with pytest.raises(
        ValueError,
        match=r"`noise_bank` of layer 'snr': a bank of shape \(2, 8, 3\).*expects waveforms "
        r"\(time, 3\) or \(batch, time, 3\). Received: inputs of shape=\(4, 10, 2\)",
    ):
        layer(np.ones((4, 10, 2), "float32"))
    with pytest.raises(ValueError, match=r"Received: inputs of shape=\(4, 10\)"):
        kn.layers.AddNoiseSNR(snr_db=10.0, noise_bank=np.ones((2, 8, 3)), batched=True)(
            np.ones((4, 10))
        )


# ------------------------------------------------------------------------------- SpeedPerturb
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_speed_factor_one_is_exactly_the_identity(dtype):
    x = keras.ops.cast(np.random.default_rng(0).normal(size=(4, 1000, 2)), dtype)
    y = kn.layers.SpeedPerturb(factor_range=(1.0, 1.0), seed=0, dtype=dtype)(x)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(y), keras.ops.convert_to_numpy(x))


def _reference(x, factor):
    """np.interp at float32 positions t * factor; zero past the end."""
    positions = np.arange(len(x), dtype="float32") * np.float32(factor)
    values = np.interp(positions, np.arange(len(x)), x)
    return np.where(positions <= len(x) - 1, values, 0.0)


@pytest.mark.parametrize("factor", [0.9, 1.1, 0.5, 1.7])
def test_speed_perturb_matches_linear_interpolation(factor):
    x = np.random.default_rng(1).normal(size=(3, 500)).astype("float32")
    y = np.asarray(kn.layers.SpeedPerturb(factor_range=(factor, factor), batched=True, seed=0)(x))
    for row, out in zip(x, y, strict=True):
        np.testing.assert_allclose(out, _reference(row, factor), atol=1e-4)


def test_speed_perturb_draws_factors_per_example_and_rate_keeps_others_unchanged():
    t = np.arange(4000, dtype="float32")
    x = np.tile(np.sin(2 * np.pi * t / 100.0)[None, :, None], (300, 1, 1))
    y = np.asarray(kn.layers.SpeedPerturb(factor_range=(0.8, 1.25), probability=0.5, seed=0)(x))
    unchanged = (y == x).all(axis=(1, 2))
    assert abs(unchanged.mean() - 0.5) < 5 * np.sqrt(0.25 / 300)
    # the zero-padded tail reveals a speed-up: its length grows with the factor
    tails = (y[~unchanged, :, 0] == 0)[:, ::-1].cumprod(axis=1).sum(axis=1)
    assert len(np.unique(tails)) > 20, "factors are drawn per example"


@settings(max_examples=15, deadline=None)
@given(
    length=st.integers(1, 300),
    factors=st.lists(st.floats(0.3, 3.0), min_size=1, max_size=4),
)
def test_resample_linear_property_matches_numpy(length, factors):
    x = np.random.default_rng(length).normal(size=(len(factors), length)).astype("float32")
    y = np.asarray(audio.resample_linear(tf.constant(x), tf.constant(factors, tf.float32)))
    for row, out, factor in zip(x, y, factors, strict=True):
        positions = np.arange(length, dtype="float32") * np.float32(factor)
        expected = np.interp(positions, np.arange(length), row)
        expected = np.where(positions <= length - 1, expected, 0.0)
        np.testing.assert_allclose(out, expected, atol=1e-4)


def test_speed_perturb_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"^Invalid value for `factor_range`: .*0 < low <= high"):
        kn.layers.SpeedPerturb(factor_range=(0.0, 1.1))
    with pytest.raises(ValueError, match=r"^Invalid value for `factor_range`: expected a pair"):
        kn.layers.SpeedPerturb(factor_range=(1.2, 1.1))
    with pytest.raises(TypeError, match=r"layer 'sp': expected a float tensor.*dtype=int32"):
        kn.layers.SpeedPerturb(name="sp")(np.ones((2, 10, 1), "int32"))
    with pytest.raises(ValueError, match=r"layer 'sp': expected \(time,\), .*\(2, 3, 4, 5\)"):
        kn.layers.SpeedPerturb(name="sp")(np.ones((2, 3, 4, 5), "float32"))


# ------------------------------------------------------------------ vocabulary of 0.2.0
SPECTROGRAMS = np.ones((4, 30, 12, 1), "float32")
WAVEFORMS = np.sin(np.linspace(0.0, 60.0, 4 * 400, dtype="float32")).reshape(4, 400)


@pytest.mark.parametrize(
    ("cls", "old", "new", "value", "kwargs", "inputs"),
    [
        (kn.layers.TimeMask, "rate", "probability", 0.5, {"max_width": 5}, SPECTROGRAMS),
        (kn.layers.TimeMask, "num_masks", "num_bands", 3, {"max_width": 5}, SPECTROGRAMS),
        (kn.layers.FrequencyMask, "rate", "probability", 0.5, {"max_width": 4}, SPECTROGRAMS),
        (kn.layers.FrequencyMask, "num_masks", "num_bands", 2, {"max_width": 4}, SPECTROGRAMS),
        (kn.layers.AddNoiseSNR, "rate", "probability", 0.5, {"snr_db": 10.0}, WAVEFORMS),
        (kn.layers.SpeedPerturb, "rate", "probability", 0.5, {}, WAVEFORMS),
    ],
)
def test_renamed_keywords_still_work_with_a_warning(cls, old, new, value, kwargs, inputs):
    kwargs = {**kwargs, "batched": True}
    check_renamed_keyword(cls, old, new, value, inputs, **kwargs)
