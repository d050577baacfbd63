"""Monte-Carlo dropout with BatchNorm: predictive uncertainty that flags mistakes and odd inputs.

A small MLP with BatchNormalization and MCDropout is trained on the bundled digits. predict_mc
samples the dropout layers while BatchNormalization stays in inference mode (the common
`model(x, training=True)` idiom would switch BatchNorm to batch statistics). The predictive entropy
and the mutual information (BALD) are higher on misclassified test digits and on inputs unlike the
training data (pure noise images) than on correct predictions.

Run: python examples/mc_dropout_uncertainty.py [--quick]
"""

import argparse

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn


def make_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(128),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            kn.layers.MCDropout(rate=0.3, seed=0),
            keras.layers.Dense(64, activation="relu"),
            kn.layers.MCDropout(rate=0.3, seed=1),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def main(quick: bool) -> None:
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, train_size=0.6, stratify=digits.target, random_state=0
    )
    keras.utils.set_random_seed(0)
    model = make_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=3 if quick else 60, batch_size=32, verbose=0)

    samples = 10 if quick else 50
    result = kn.uncertainty.predict_mc(model, x_test, samples=samples, verbose=0)
    correct = result.mean.argmax(axis=1) == y_test
    print(f"MC accuracy ({samples} samples): {correct.mean():.3f}")

    odd = np.random.default_rng(0).uniform(0, 1, size=(200, 64)).astype("float32")
    odd_result = kn.uncertainty.predict_mc(model, odd, samples=samples, verbose=0)
    print(f"{'':22s} {'entropy':>8s} {'mutual information':>19s}   (nats, max log 10 = 2.303)")
    groups = {
        "correct test digits": (result.entropy[correct], result.mutual_information[correct]),
        "misclassified digits": (result.entropy[~correct], result.mutual_information[~correct]),
        "noise images": (odd_result.entropy, odd_result.mutual_information),
    }
    for label, (entropy, mutual_information) in groups.items():
        if len(entropy):
            print(f"{label:22s} {entropy.mean():8.3f} {mutual_information.mean():19.3f}")

    # The usual idiom puts BatchNorm in training mode: its outputs are not those of the model.
    idiom = np.mean([np.asarray(model(x_test, training=True)) for _ in range(samples)], axis=0)
    gap = np.abs(idiom - result.mean).max()
    print(f"max |mean(model(x, training=True)) - predict_mc mean| = {gap:.3f}")
    if quick:
        print("(--quick: three epochs, far from converged; run without it for a comparison)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="three epochs, for a smoke run")
    main(parser.parse_args().quick)
