"""Export and serve: train with noise layers, export a noise-free SavedModel, reload and serve it.

The model trains on scikit-learn's bundled 8x8 digits with input noise (Jitter), masking (Cutout),
activation noise, Keras' Dropout and weight noise (DropConnect). `export_noise_free` removes all
of them (DropConnect becomes its inner Dense with the clean kernel), writes a SavedModel and a
TFLite flatbuffer, and proves the result deterministic and equal to `model(x, training=False)`.
The SavedModel is then reloaded with TensorFlow alone, as a server would, and serves predictions.

The folder also gets `expected_outputs.npz` (fixed inputs and the outputs the model gave for
them) and `EXPORT.md` (how it was made); `tests/test_saved_model_fixture.py` checks the committed
`saved_models/digits_classifier/` against them. Regenerate that fixture with:

    python examples/export_and_serve.py --out saved_models/digits_classifier

Run: python examples/export_and_serve.py [--quick] [--out FOLDER]
"""

import argparse
import datetime
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keras_noise as kn

FIXTURE_EXAMPLES = 16  # test digits stored with their expected outputs


def load_data():
    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]  # (N, 8, 8, 1) in [0, 1]
    return train_test_split(
        images, digits.target, train_size=0.7, stratify=digits.target, random_state=0
    )


def make_model() -> keras.Model:
    inputs = keras.Input((8, 8, 1), name="digits")
    x = kn.layers.Jitter(stddev=0.1, value_range=(0.0, 1.0), seed=1)(inputs)
    x = kn.layers.Cutout(size_fraction=0.25, probability=0.5, seed=2)(x)
    x = keras.layers.Conv2D(8, 3, activation="relu")(x)
    x = kn.layers.ActivationNoise(stddev=0.1, seed=3)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.2, seed=4)(x)
    logits = kn.layers.DropConnect(keras.layers.Dense(10), rate=0.2, seed=5)(x)
    outputs = keras.layers.Softmax(name="probabilities")(logits)
    model = keras.Model(inputs, outputs, name="digits_classifier")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def write_fixture_files(out: Path, model: keras.Model, x_test, y_test, command: str) -> None:
    inputs = x_test[:FIXTURE_EXAMPLES]
    outputs = np.asarray(model(inputs, training=False))
    np.savez(
        out / "expected_outputs.npz",
        inputs=inputs,
        outputs=outputs,
        labels=y_test[:FIXTURE_EXAMPLES],
    )
    (out / "EXPORT.md").write_text(
        f"# {out.name}\n\n"
        "A noise-free SavedModel (`serve` / `serving_default`, input `digits` of shape\n"
        "(batch, 8, 8, 1) in [0, 1], output: 10 class probabilities) and `model.tflite`,\n"
        "written by `examples/export_and_serve.py`:\n\n"
        f"    {command}\n\n"
        f"keras-noise {kn.__version__}, Keras {keras.__version__}, TensorFlow {tf.__version__}, "
        f"{datetime.date.today().isoformat()}.\n\n"
        "`expected_outputs.npz` holds `inputs` (the first 16 test digits), `outputs` (the\n"
        "model's `model(inputs, training=False)` at export) and `labels`.\n"
    )


def serve(folder: Path, x_test, y_test) -> None:
    """What a server does: TensorFlow only, no keras-noise and no Keras model code."""
    loaded = tf.saved_model.load(str(folder))
    predict = loaded.signatures["serving_default"]
    (probabilities,) = predict(digits=tf.constant(x_test)).values()
    predicted = np.argmax(probabilities.numpy(), axis=-1)
    print(f"served {len(x_test)} test digits: accuracy {np.mean(predicted == y_test):.3f}")
    print(f"first 10 predictions {predicted[:10].tolist()}, labels {y_test[:10].tolist()}")


def main(quick: bool, out: Path) -> None:
    x_train, x_test, y_train, y_test = load_data()
    keras.utils.set_random_seed(0)
    model = make_model()
    model.fit(x_train, y_train, epochs=2 if quick else 40, batch_size=32, verbose=0)
    print(f"trained: test accuracy {model.evaluate(x_test, y_test, verbose=0)[1]:.3f}")

    report = kn.export.export_noise_free(model, out, overwrite=True, tflite=True)
    print(report.summary())
    command = "python " + " ".join(["examples/export_and_serve.py", *sys.argv[1:]])
    write_fixture_files(out, model, x_test, y_test, command)
    serve(out, x_test, y_test)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two epochs, for a smoke run")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("saved_models/digits_classifier"),
        help="the export folder (replaced if it holds an earlier export)",
    )
    args = parser.parse_args()
    main(args.quick, args.out)
