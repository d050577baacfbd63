"""A `tf.data` augmentation pipeline: per-example Cutout, then batch-level MixUp, on digits.

Per-example layers map over single images; batch-level layers (MixUp, CutMix) map over batches
of `(images, labels)` and mix the labels too, turning class ids into probabilities, so the
model trains with categorical cross-entropy. The layers are the identity in evaluation and
prediction: only the training pipeline maps them.

Run: python examples/tf_data_pipeline.py [--quick]
"""

import argparse

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn

NUM_CLASSES = 10


def make_model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return model


def training_pipeline(x, y, augment: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0)
    if augment:
        ds = ds.map(
            kn.layers.Cutout(size_fraction=0.25, seed=0)
        )  # per image: (image, label) in and out
    ds = ds.batch(32)
    if augment:  # per batch: images and labels mixed together; labels become probabilities
        return ds.map(kn.layers.MixUp(alpha=0.2, num_classes=NUM_CLASSES, seed=0))
    return ds.map(lambda images, labels: (images, tf.one_hot(labels, NUM_CLASSES)))


def main(quick: bool) -> None:
    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, train_size=600, stratify=digits.target, random_state=0
    )
    test = (x_test, keras.utils.to_categorical(y_test, NUM_CLASSES))
    occluded = x_test * (np.random.default_rng(0).uniform(size=x_test.shape) > 0.3)
    for augment in (False, True):
        keras.utils.set_random_seed(0)
        model = make_model()
        train = training_pipeline(x_train, y_train, augment).prefetch(tf.data.AUTOTUNE)
        model.fit(train, epochs=2 if quick else 40, verbose=0)
        clean = model.evaluate(*test, verbose=0)[1]
        masked = model.evaluate(occluded, test[1], verbose=0)[1]
        label = "Cutout + MixUp" if augment else "no augmentation"
        print(f"{label:16s} test accuracy {clean:.3f}   with 30% of pixels dropped {masked:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    main(parser.parse_args().quick)
