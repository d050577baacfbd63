"""Quickstart: a Sequential model with input noise, trained on bundled digits with and without it.

Run: python examples/quickstart.py [--quick]
"""

import argparse

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn


def make_model(noise: bool) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((64,)),
            # Input noise: active in fit, the identity in predict/evaluate and in exports.
            kn.layers.Jitter(stddev=0.3, seed=0) if noise else keras.layers.Identity(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(quick: bool) -> None:
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, train_size=300, stratify=digits.target, random_state=0
    )
    noisy_test = np.clip(x_test + np.random.default_rng(0).normal(0, 0.3, x_test.shape), 0, 1)
    for noise in (False, True):
        keras.utils.set_random_seed(0)
        model = make_model(noise)
        model.fit(x_train, y_train, epochs=2 if quick else 60, batch_size=32, verbose=0)
        clean = model.evaluate(x_test, y_test, verbose=0)[1]
        noisy = model.evaluate(noisy_test, y_test, verbose=0)[1]
        label = "with Jitter" if noise else "without noise"
        print(f"{label:14s} clean accuracy {clean:.3f}   accuracy at sigma=0.3 {noisy:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    main(parser.parse_args().quick)
