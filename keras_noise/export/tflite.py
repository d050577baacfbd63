"""TFLite conversion of an exported SavedModel, and a runner for the flatbuffer it writes."""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from keras_noise._validation import invalid_type, invalid_value


def check_tflite_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Checks `tflite_options`: converter attribute paths (e.g. ``"target_spec.supported_ops"``).

    Examples:
        >>> import tensorflow as tf
        >>> check_tflite_options({"optimizations": [tf.lite.Optimize.DEFAULT]})
        {'optimizations': [<Optimize.DEFAULT: 'DEFAULT'>]}
        >>> check_tflite_options({"target_spec.ops": []})
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `tflite_options`: expected a dict ... tflite_options={...}
    """
    if options is None:
        return {}
    expected = (
        "a dict from TFLiteConverter attribute paths (e.g. 'target_spec.supported_ops', "
        "'optimizations', '_experimental_lower_tensor_list_ops') to values; "
        "unknown attribute in the keys"
    )
    if not isinstance(options, Mapping):
        raise invalid_type("tflite_options", expected, options)
    probe = tf.lite.TFLiteConverter([], None)  # no model: only its attributes are read
    for key in options:
        if not isinstance(key, str) or not key:
            raise invalid_value("tflite_options", expected, dict(options))
        owner, *_ = _attribute_owner(probe, key)
        if owner is None:
            raise invalid_value("tflite_options", expected, dict(options))
    return dict(options)


def _attribute_owner(converter, key: str):
    """The object holding the last attribute of dotted `key`, and that attribute's name."""
    *path, last = key.split(".")
    owner = converter
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            return None, last
    return (owner, last) if hasattr(owner, last) else (None, last)


def convert_to_tflite(
    saved_model_path: str | os.PathLike,
    tflite_path: str | os.PathLike,
    *,
    options: Mapping[str, Any] | None = None,
) -> str:
    """Converts a SavedModel to a TFLite flatbuffer.

    Args:
        saved_model_path: the SavedModel folder.
        tflite_path: the `.tflite` file to write.
        options: converter settings by attribute path, set on the `tf.lite.TFLiteConverter`
            before converting, e.g. ``{"target_spec.supported_ops": [tf.lite.OpsSet.
            TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]}`` for models with ops TFLite has no
            builtin kernel for (string ops, some LSTMs), or
            ``{"optimizations": [tf.lite.Optimize.DEFAULT]}``. Default: float, builtins only.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: for unknown `options`, or if the converter fails; the message carries the
            converter's reason (e.g. an op TFLite has no kernel for).
    """
    options = check_tflite_options(options)
    converter = tf.lite.TFLiteConverter.from_saved_model(os.fspath(saved_model_path))
    for key, value in options.items():
        owner, name = _attribute_owner(converter, key)
        setattr(owner, name, value)
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


@dataclasses.dataclass(frozen=True)
class TFLiteOutcome:
    """The TFLite part of an export: the file kept, its max |diff|, or why it failed."""

    path: str | None
    max_abs_diff: float | None
    error: str | None


def convert_and_check(
    folder: Path,
    file_name: str,
    feed: dict[str, np.ndarray],
    outputs: list[tuple[str, np.ndarray]],
    *,
    options: Mapping[str, Any] | None,
    atol: float,
    rtol: float,
) -> TFLiteOutcome:
    """Converts the SavedModel in `folder` and compares TFLite's outputs with `outputs`.

    A failure never raises: it is returned (and `export_noise_free` warns), so that it does not
    prevent the SavedModel. A flatbuffer whose outputs differ is deleted; one that converts but
    that this Python interpreter cannot run (e.g. Select TF ops without the Flex delegate) is
    kept, unchecked, and the outcome says so.
    """
    path = folder / file_name
    try:
        convert_to_tflite(folder, path, options=options)
    except ValueError as error:
        return TFLiteOutcome(None, None, str(error))
    try:
        lite = run_tflite(path, feed)
    except Exception as error:  # noqa: BLE001 - reported in the outcome and warned about.
        reason = f"{type(error).__name__}: {error}".split("\n")[0]
        message = f"model.tflite was written but not checked: running it failed ({reason})"
        return TFLiteOutcome(str(path), None, message)
    diff, problems = 0.0, []
    for name, expected in outputs:
        got = lite.get(name)
        if got is None or got.shape != expected.shape:
            problems.append(f"TFLite output '{name}' is missing or has another shape")
            continue
        got64, want64 = got.astype("float64"), expected.astype("float64")
        if got.size:
            diff = max(diff, float(np.max(np.abs(got64 - want64))))
        if not np.allclose(got64, want64, atol=atol, rtol=rtol):
            problems.append(
                f"TFLite output '{name}' differs from the SavedModel's: max |diff| "
                f"{diff:.3g} > atol={atol:g} + rtol={rtol:g} * |SavedModel|"
            )
    if problems:
        path.unlink()
        return TFLiteOutcome(None, diff, "; ".join(problems) + " (model.tflite not kept)")
    return TFLiteOutcome(str(path), diff, None)


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
