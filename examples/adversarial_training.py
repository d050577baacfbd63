"""Adversarial training with FGSM, then robustness curves of both models in one PNG.

Trains the same small network on scikit-learn's bundled digits (8x8 images in [0, 1]) twice:
plainly, and wrapped in `kn.adversarial.AdversarialModel` (half of every batch replaced by FGSM
examples, epsilon ramped by a NoiseScheduler). Then measures both under Gaussian noise,
salt-and-pepper, occlusion, feature masking, FGSM and PGD, prints the tables and writes the plot.

Run: python examples/adversarial_training.py [--quick] [--out adversarial_output/robustness.png]
"""

import argparse
from pathlib import Path

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn

EPSILON = 0.1


def make_model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(quick: bool, out: Path) -> None:
    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, train_size=1000, stratify=digits.target, random_state=0
    )
    epochs = 2 if quick else 30
    if quick:
        x_test, y_test = x_test[:200], y_test[:200]

    keras.utils.set_random_seed(0)
    baseline = make_model()
    baseline.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)

    keras.utils.set_random_seed(0)
    robust = make_model()
    # The wrapper starts compiled like `robust`; `fit` mixes clean and FGSM examples.
    trainer = kn.adversarial.AdversarialModel(robust, method="fgsm", epsilon=0.0, ratio=0.5)
    # Ramp epsilon from 0 to its final value over the first third of training.
    ramp = kn.callbacks.NoiseScheduler(
        kn.schedules.Linear(0.0, EPSILON, duration=max(epochs // 3, 1)),
        layers=kn.adversarial.AdversarialModel,
    )
    trainer.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0, callbacks=[ramp])
    # `robust` is a plain Keras model again: save or export it on its own.

    attacks = {"fgsm": [0.05, 0.1, 0.2], "pgd": [0.05, 0.1, 0.2]}
    # The package's own corruptions (the ImageNet-C suite: kn.robustness.SUITE, levels 1-5).
    corruptions = ["jitter", "salt_and_pepper", "occlusion", "feature_mask"]
    results = {}
    for name, model in (("baseline", baseline), ("FGSM adversarial training", robust)):
        print(f"Evaluating {name}:")
        results[name] = kn.robustness.evaluate(
            model, (x_test, y_test), corruptions=corruptions, attacks=attacks
        )
        print(results[name].to_markdown(), "\n")

    out.parent.mkdir(parents=True, exist_ok=True)
    kn.robustness.plot(results, out, title="Digits: accuracy under corruptions and attacks")
    print(f"Plot written to {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("adversarial_output") / "robustness.png",
        help="where to write the robustness plot (PNG)",
    )
    args = parser.parse_args()
    main(args.quick, args.out)
