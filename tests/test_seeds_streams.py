"""Independent streams: layers sharing an int seed draw unrelated noise, reproducibly.

A layer's generator key is a hash of (seed, layer name): two layers given ``seed=7`` draw
independent noise, the same layer config, name and seed reproduce the same noise in a fresh
process, and a `.keras` round trip (which keeps the name) keeps the stream.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np

import keras_noise as kn
from keras_noise.ops.random import NoiseSeedGenerator, derive_key

X = np.zeros((64, 32), "float32")
ONES = np.ones((64, 32), "float32")


def _noise(layer, x):
    return np.asarray(layer(x, training=True)) - x


def test_two_layers_with_one_seed_draw_uncorrelated_noise():
    jitter = kn.layers.Jitter(stddev=1.0, seed=7)
    speckle = kn.layers.MultiplicativeNoise(stddev=1.0, seed=7)
    a, b = _noise(jitter, X).ravel(), _noise(speckle, ONES).ravel()
    # 2048 draws each: |r| of independent normals is below 5 / sqrt(n) = 0.11 for any seed.
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(a.size)
    # Same class, same seed, two names: independent too.
    one = _noise(kn.layers.Jitter(stddev=1.0, seed=7, name="one"), X).ravel()
    two = _noise(kn.layers.Jitter(stddev=1.0, seed=7, name="two"), X).ravel()
    assert abs(np.corrcoef(one, two)[0, 1]) < 5 / np.sqrt(one.size)


def test_same_seed_and_name_reproduce_and_the_seed_still_matters():
    first = _noise(kn.layers.Jitter(stddev=1.0, seed=7, name="j"), X)
    np.testing.assert_array_equal(first, _noise(kn.layers.Jitter(stddev=1.0, seed=7, name="j"), X))
    assert not np.array_equal(first, _noise(kn.layers.Jitter(stddev=1.0, seed=8, name="j"), X))


def test_cutout_and_mixup_sharing_a_seed_in_a_pipeline_are_independent():
    images = np.ones((16, 8, 8, 1), "float32")
    labels = np.eye(4, dtype="float32")[np.arange(16) % 4]
    cutout = kn.layers.Cutout(size_fraction=0.5, seed=42)
    mixup = kn.layers.MixUp(alpha=1.0, seed=42)
    assert cutout.seed_generator.stream_id != mixup.seed_generator.stream_id
    first_cut, first_mix = cutout.seed_generator.next(), mixup.seed_generator.next()
    assert not np.array_equal(first_cut, first_mix)
    cut = np.asarray(cutout(images))
    assert (cut == 0.0).reshape(16, -1).any(axis=1).all()  # every image lost (part of) a hole
    _, mixed = mixup(cut, labels)
    np.testing.assert_allclose(np.sum(mixed, axis=-1), 1.0, atol=1e-6)


def test_derive_key_is_stable_and_uses_crc32_not_python_hash():
    # A pinned value: a change of the derivation (or the salted `hash()`) would break the
    # reproducibility of every saved experiment, so it must be deliberate.
    assert derive_key(7, "jitter") == 1473635774
    assert len({derive_key(7, f"layer_{i}") for i in range(1000)}) == 1000
    assert len({derive_key(s, "jitter") for s in range(1000)}) == 1000
    assert derive_key(None, "jitter") != derive_key(0, "jitter")
    assert all(0 <= derive_key(s, "x") < 2**31 for s in (0, 1, 2**40))


def test_generator_without_owner_keeps_the_seed_as_its_key():
    gen = NoiseSeedGenerator(seed=7)
    assert gen.next().numpy().tolist() == [7, 0]
    owned = NoiseSeedGenerator(seed=7, owner="jitter")
    assert owned.next().numpy().tolist() == [derive_key(7, "jitter"), 0]
    config = owned.get_config()
    assert config["owner"] == "jitter"
    assert NoiseSeedGenerator(**config).next().numpy().tolist() == [derive_key(7, "jitter"), 0]


def test_a_reloaded_layer_draws_the_same_noise(tmp_path):
    model = keras.Sequential([keras.Input((32,)), kn.layers.Jitter(stddev=1.0, seed=3)])
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    assert reloaded.layers[0].name == model.layers[0].name
    np.testing.assert_array_equal(_noise(model.layers[0], X), _noise(reloaded.layers[0], X))


_FRESH = """
import json, numpy as np, keras, keras_noise as kn
layers = [kn.layers.Jitter(stddev=1.0, seed=5), kn.layers.MultiplicativeNoise(stddev=1.0, seed=5)]
x = np.ones((4, 8), "float32")
print(json.dumps([np.asarray(layer(x, training=True)).tolist() for layer in layers]))
"""


def test_a_fresh_process_reproduces_layers_built_in_the_same_order():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _FRESH], capture_output=True, text=True, env=env, check=True
        )
        for _ in range(2)
    ]
    first, second = (json.loads(run.stdout.strip().splitlines()[-1]) for run in runs)
    assert first == second
    assert first[0] != first[1]  # the two layers, one seed: different noise
