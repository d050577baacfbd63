"""In-model noise in a functional model: ActivationNoise, DropPath and DropConnect on digits.

A small residual CNN on the bundled 8x8 digits: activation noise after the stem, stochastic depth
(DropPath) on the residual branch and DropConnect around the classifier's Dense layer. All three
are active in `fit` only; `predict`/`evaluate` use the clean model (the DropConnect head uses its
plain kernel), and the wrapped head keeps its own weights, shared with the Dense layer object.

Run: python examples/functional_model.py [--quick]
"""

import argparse

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn


def make_model(noise: bool) -> keras.Model:
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    if noise:
        x = kn.layers.ActivationNoise(stddev=0.2, seed=0)(x)  # Gaussian noise on activations
    branch = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    branch = keras.layers.Conv2D(32, 3, padding="same")(branch)
    if noise:
        branch = kn.layers.DropPath(rate=0.2, seed=1)(branch)  # skip the branch per example
    x = keras.layers.ReLU()(keras.layers.Add()([x, branch]))
    x = keras.layers.Flatten()(x)
    head = keras.layers.Dense(10, activation="softmax", name="head")
    if noise:
        head = kn.layers.DropConnect(head, rate=0.3, seed=2)  # drops kernel entries per step
    return keras.Model(inputs, head(x))


def main(quick: bool) -> None:
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32").reshape(-1, 8, 8, 1)
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, train_size=0.5, stratify=digits.target, random_state=0
    )
    noisy_test = np.clip(x_test + np.random.default_rng(0).normal(0, 0.3, x_test.shape), 0, 1)
    for noise in (False, True):
        keras.utils.set_random_seed(0)
        model = make_model(noise)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=2 if quick else 30, batch_size=32, verbose=0)
        clean = model.evaluate(x_test, y_test, verbose=0)[1]
        noisy = model.evaluate(noisy_test, y_test, verbose=0)[1]
        label = "with in-model noise" if noise else "without noise"
        print(f"{label:20s} clean accuracy {clean:.3f}   accuracy at sigma=0.3 {noisy:.3f}")

    # Inference is deterministic: the noise layers are the identity, DropConnect's head uses
    # the clean kernel of the Dense layer it wraps.
    wrapper = next(lyr for lyr in model.layers if isinstance(lyr, kn.layers.DropConnect))
    probe = x_test[:8]
    np.testing.assert_array_equal(model.predict(probe, verbose=0), model(probe, training=False))
    weights = [w.name for w in wrapper.layer.weights]
    print(f"DropConnect wraps the Dense layer {wrapper.layer.name!r}, whose weights are {weights}")
    if quick:
        print("(--quick: two epochs, far from converged; run without it for a comparison)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    main(parser.parse_args().quick)
