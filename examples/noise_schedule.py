"""Noise schedules: warm up and anneal noise strengths during fit, without retracing.

A `tf.data` Jitter (outside the model) and a Jitter on the hidden layer (inside it) follow two
different schedules from one `NoiseScheduler`; the strengths land in the training history and in
a CSV log next to the loss.

Run: python examples/noise_schedule.py [--quick]
"""

import argparse
import csv
import tempfile
from pathlib import Path

import keras
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn


def main(quick: bool) -> None:
    epochs = 3 if quick else 30
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, train_size=0.7, stratify=digits.target, random_state=0
    )
    keras.utils.set_random_seed(0)

    # Lives in the data pipeline, not in the model: the scheduler needs it passed explicitly.
    data_jitter = kn.layers.Jitter(stddev=0.0, value_range=(0, 1), seed=0, name="data_jitter")
    train = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(x_train), seed=0)
        .batch(32)
        .map(data_jitter)
    )
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(64, activation="relu"),
            kn.layers.Jitter(stddev=0.0, seed=1, name="hidden_jitter"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    third = max(epochs // 3, 1)
    scheduler = kn.callbacks.NoiseScheduler(
        {
            # Warm-up then anneal: 0 for one third, ramp to 0.3, then cosine down to 0.05.
            data_jitter: kn.schedules.Chain(
                [
                    kn.schedules.Warmup(0.3, hold=third, ramp=third),
                    kn.schedules.Cosine(0.3, 0.05, duration=third),
                ],
                boundaries=[2 * third],
            ),
            "hidden_jitter": kn.schedules.Linear(0.0, 0.5, duration=epochs),
        }
    )
    log_path = Path(tempfile.mkdtemp()) / "training_log.csv"
    # The scheduler comes before CSVLogger so the logger sees the strengths it adds.
    callbacks = [scheduler, keras.callbacks.CSVLogger(str(log_path))]
    # shuffle=False: the dataset shuffles itself.
    history = model.fit(train, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks)

    print("epoch  data_jitter/stddev  hidden_jitter/stddev  loss")
    for epoch in range(epochs):
        print(
            f"{epoch:5d}  {history.history['data_jitter/stddev'][epoch]:18.3f}  "
            f"{history.history['hidden_jitter/stddev'][epoch]:20.3f}  "
            f"{history.history['loss'][epoch]:.3f}"
        )
    columns = next(csv.reader(log_path.open()))
    strengths = [c for c in columns if c.endswith("jitter/stddev") and not c.startswith("val_")]
    print(f"strength columns in the CSV log: {strengths}")
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    print(f"test accuracy (noise off at inference): {accuracy:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="three epochs, for a smoke run")
    main(parser.parse_args().quick)
