"""FeatureMask on tabular data: a classifier that still works when features go missing.

Trains a small MLP on scikit-learn's bundled breast-cancer table three times: without noise, and
with `FeatureMask` in the `tf.data` pipeline filling masked values with the per-feature training
means or with noise drawn around them (per-feature means and standard deviations). Then evaluates
each model on the clean test set and on copies where a fraction of the feature values is missing
(set to 0, the mean of standardized features), averaged over several random missing-value
patterns.

Run: python examples/tabular_feature_mask.py [--quick]
"""

import argparse

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import keras_noise as kn

MISSING_FRACTIONS = (0.0, 0.3, 0.6)
DRAWS = 5  # missing-value patterns averaged per fraction


def make_model(num_features: int) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((num_features,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def feature_mask(fill: str, x_train: np.ndarray) -> kn.layers.FeatureMask | None:
    """The masking layer of one training variant: None, mean fill or noise fill."""
    means = x_train.mean(axis=0).tolist()  # one value per feature, ~0 after standardizing
    if fill == "mean":
        return kn.layers.FeatureMask(rate=0.3, fill_value=means, seed=0)
    if fill == "noise":
        stds = x_train.std(axis=0).tolist()
        return kn.layers.FeatureMask(
            rate=0.3, fill_mode="noise", fill_value=means, noise_stddev=stds, seed=0
        )
    return None


def train_dataset(x, y, layer) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0).batch(32)
    if layer is not None:
        # Each batch `(x, y)`: 30% of the feature values of x are replaced; y passes through.
        ds = ds.map(layer)
    return ds.prefetch(tf.data.AUTOTUNE)


def with_missing(x, fraction: float, seed: int = 0) -> np.ndarray:
    missing = np.random.default_rng(seed).uniform(size=x.shape) < fraction
    return np.where(missing, 0.0, x).astype("float32")


def accuracy_with_missing(model, x, y, fraction: float, draws: int) -> float:
    """Accuracy on `draws` copies of the test set, each with its own missing-value pattern."""
    x_all = np.concatenate([with_missing(x, fraction, seed) for seed in range(draws)])
    return model.evaluate(x_all, np.tile(y, draws), batch_size=256, verbose=0)[1]


def main(quick: bool) -> None:
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, stratify=data.target, random_state=0
    )
    scaler = StandardScaler().fit(x_train)
    x_train = scaler.transform(x_train).astype("float32")
    x_test = scaler.transform(x_test).astype("float32")
    header = "  ".join(f"{int(f * 100):>3d}% missing" for f in MISSING_FRACTIONS)
    print(f"{'':26s}{header}")
    for fill in ("none", "mean", "noise"):
        keras.utils.set_random_seed(0)
        model = make_model(x_train.shape[1])
        ds = train_dataset(x_train, y_train, feature_mask(fill, x_train))
        model.fit(ds, epochs=2 if quick else 40, shuffle=False, verbose=0)  # ds shuffles
        draws = 1 if quick else DRAWS
        scores = [accuracy_with_missing(model, x_test, y_test, f, draws) for f in MISSING_FRACTIONS]
        label = "without noise" if fill == "none" else f"FeatureMask, {fill} fill"
        print(f"{label:26s}" + "  ".join(f"{s:12.3f}" for s in scores))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    main(parser.parse_args().quick)
