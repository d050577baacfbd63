"""Gradient noise: wrap any Keras optimizer in GradientNoise (Neelakantan et al., 2015).

A deep, narrow MLP on the bundled digits, trained with Adam and with GradientNoise(Adam): the
noise variance eta / (1 + t) ** gamma decays with the optimizer step t. The wrapped optimizer
saves and loads with the model.

Run: python examples/gradient_noise.py [--quick]
"""

import argparse
import tempfile
from pathlib import Path

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn


def deep_mlp() -> keras.Model:
    layers = [keras.Input((64,))]
    layers += [keras.layers.Dense(32, activation="tanh") for _ in range(8)]
    layers += [keras.layers.Dense(10, activation="softmax")]
    return keras.Sequential(layers)


def main(quick: bool) -> None:
    epochs = 2 if quick else 40
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, train_size=0.7, stratify=digits.target, random_state=0
    )
    results = {}
    for label in ("Adam", "GradientNoise(Adam)"):
        keras.utils.set_random_seed(0)
        optimizer = keras.optimizers.Adam(1e-3)
        if label != "Adam":
            optimizer = kn.optimizers.GradientNoise(optimizer, eta=0.01, gamma=0.55, seed=0)
        model = deep_mlp()
        model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
        results[label] = model.evaluate(x_test, y_test, verbose=0)[1]
        print(f"{label:20s} test accuracy {results[label]:.3f}")
    if quick:
        print("(--quick: two epochs, far from converged; run without it for a comparison)")

    steps = int(model.optimizer.iterations)
    for t in (0, steps // 2, steps):
        variance = float(model.optimizer.stddev(t)) ** 2
        print(f"noise variance at step {t:5d}: {variance:.5f}")

    path = Path(tempfile.mkdtemp()) / "deep_mlp.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    print(
        f"reloaded optimizer: {type(restored.optimizer).__name__} around "
        f"{type(restored.optimizer.inner_optimizer).__name__}, "
        f"step {int(restored.optimizer.iterations)}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    main(parser.parse_args().quick)
