"""TFLite conversion of an exported SavedModel, and a runner for the flatbuffer it writes."""

from __future__ import annotations

import os
import warnings

import numpy as np
import tensorflow as tf


def convert_to_tflite(saved_model_path: str | os.PathLike, tflite_path: str | os.PathLike) -> str:
    """Converts a SavedModel to a TFLite flatbuffer with the default (float) settings.

    Args:
        saved_model_path: the SavedModel folder.
        tflite_path: the `.tflite` file to write.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: if the converter fails; the message carries the converter's reason (e.g.
            an op TFLite has no kernel for).
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(os.fspath(saved_model_path))
    try:
        flatbuffer = converter.convert()
    except Exception as error:
        raise ValueError(
            f"TFLite conversion of {os.fspath(saved_model_path)!r} failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    with open(tflite_path, "wb") as stream:
        stream.write(flatbuffer)
    return os.fspath(tflite_path)


def run_tflite(
    tflite_path: str | os.PathLike,
    inputs: dict[str, np.ndarray],
    signature: str = "serving_default",
) -> dict[str, np.ndarray]:
    """Runs one signature of a TFLite flatbuffer with the TFLite interpreter.

    Args:
        tflite_path: the `.tflite` file.
        inputs: arrays keyed by the signature's input names (dynamic dimensions are resized).
        signature: the signature to run.

    Returns:
        The outputs, keyed by the signature's output names.
    """
    with warnings.catch_warnings():  # tf.lite.Interpreter warns that LiteRT replaces it.
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_path=os.fspath(tflite_path))
    runner = interpreter.get_signature_runner(signature)
    outputs = runner(**{name: np.asarray(value) for name, value in inputs.items()})
    return {name: np.array(value) for name, value in outputs.items()}
