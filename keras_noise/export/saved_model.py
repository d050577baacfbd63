"""`export_noise_free`: strip, export a SavedModel, verify it, optionally convert it to TFLite."""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_noise._keras_compat import is_functional, recorded_input_signature
from keras_noise._validation import check_choice, invalid_type, invalid_value
from keras_noise.export.strip import StripLog, is_rebuildable, strip_with_log, unwrap_model
from keras_noise.export.tflite import convert_to_tflite, run_tflite
from keras_noise.export.verify import VerificationResult, run_checks

TFLITE_FILE = "model.tflite"
KERAS_FILE = "model.keras"


@dataclasses.dataclass(frozen=True)
class ExportReport:
    """What `export_noise_free` did and found.

    Attributes:
        path: the SavedModel folder.
        removed: the layers removed, as ``"name (Class)"``.
        replaced: the layers replaced, as ``"name (Class) -> name (Class)"``.
        traced: True for a subclassed model, exported by tracing ``call(x, training=False)``
            instead of being rebuilt.
        verification: the `verify_noise_free` result of the SavedModel.
        tflite_path: the TFLite flatbuffer, or None.
        tflite_max_abs_diff: the largest |TFLite - SavedModel| output difference, or None.
        keras_path: the `.keras` file of the stripped model, or None.
        failures: every failed check (verification and TFLite); empty when all passed.
    """

    path: str
    removed: tuple[str, ...]
    replaced: tuple[str, ...]
    traced: bool
    verification: VerificationResult
    tflite_path: str | None
    tflite_max_abs_diff: float | None
    keras_path: str | None
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the export passed every check."""
        return not self.failures

    def summary(self) -> str:
        """A few lines for people: what was stripped, written and checked."""
        stripped = ", ".join(self.removed + self.replaced) or "nothing"
        lines = [
            f"exported {self.path}",
            "  traced call(training=False) of a subclassed model"
            if self.traced
            else f"  stripped: {stripped}",
            "  " + self.verification.summary().replace("\n", "\n  "),
        ]
        if self.tflite_path is not None:
            lines.append(
                f"  TFLite: {self.tflite_path} (max |diff| vs SavedModel "
                f"{self.tflite_max_abs_diff:.3g})"
            )
        if self.keras_path is not None:
            lines.append(f"  Keras: {self.keras_path}")
        lines += [f"  - {failure}" for failure in self.failures[len(self.verification.failures) :]]
        return "\n".join(lines)


class NoiseFreeExportError(RuntimeError):
    """An export that was written but failed verification; `error.report` says what failed."""

    def __init__(self, report: ExportReport):
        super().__init__(report.summary())
        self.report = report


# --------------------------------------------------------------------------------- arguments
def _check_target(target: Path, overwrite: bool) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise invalid_value("path", "a folder to export into, not a file", str(target))
    if not any(target.iterdir()):
        return
    if not overwrite:
        raise invalid_value(
            "path",
            "a new or empty folder (this one exists and is not empty; pass overwrite=True to "
            "replace the SavedModel in it)",
            str(target),
        )
    if not (target / "saved_model.pb").exists():
        raise invalid_value(
            "path",
            "a SavedModel folder to overwrite (this one holds other files, which overwrite=True "
            "does not delete)",
            str(target),
        )


def _tensor_spec(spec: Any) -> tf.TensorSpec:
    """A `tf.TensorSpec` from a TensorSpec, `keras.InputSpec`, KerasTensor or array."""
    if isinstance(spec, tf.TensorSpec):
        return spec
    if isinstance(spec, keras.InputSpec):
        if spec.shape is None or spec.dtype is None:
            raise invalid_value("input_signature", "InputSpecs with a shape and a dtype", spec)
        return tf.TensorSpec(spec.shape, spec.dtype, name=getattr(spec, "name", None))
    if isinstance(spec, keras.KerasTensor):
        return tf.TensorSpec((None, *spec.shape[1:]), spec.dtype, name=spec.name)
    if hasattr(spec, "shape") and hasattr(spec, "dtype"):
        shape = tuple(spec.shape)
        return tf.TensorSpec((None, *shape[1:]), tf.as_dtype(spec.dtype))
    raise invalid_type(
        "input_signature", "tf.TensorSpec, keras.InputSpec, KerasTensor or array entries", spec
    )


def _normalize_signature(input_signature: Any) -> list:
    """Keras' convention: one entry per positional argument of `call` (a structure each)."""
    if not isinstance(input_signature, (list, tuple)):
        input_signature = [input_signature]
    return [tf.nest.map_structure(_tensor_spec, entry) for entry in input_signature]


def _zeros(signature: list) -> list:
    def zeros(spec):
        shape = [1 if dim is None else dim for dim in spec.shape.as_list()]
        return tf.zeros(shape, spec.dtype)

    return [tf.nest.map_structure(zeros, entry) for entry in signature]


def _input_signature(model: keras.Model, input_signature: Any) -> list | None:
    if input_signature is not None:
        return _normalize_signature(input_signature)
    if isinstance(model, keras.Sequential):
        return [_tensor_spec(model.inputs[0])]
    if is_functional(model):
        return [tf.nest.map_structure(_tensor_spec, model.input)]
    recorded = recorded_input_signature(model)
    return None if recorded is None else _normalize_signature(recorded)


# ------------------------------------------------------------------------------------ export
def _trace(model: keras.Model, signature: list, traced: bool):
    """The serving function, traced once; tracing errors become a ValueError with the reason."""

    def serve(*args):
        return model(*args, training=False)

    function = tf.function(serve, input_signature=signature)
    try:
        function.get_concrete_function()
    except Exception as error:
        kind = "subclassed model" if traced else "model"
        hint = (
            " A subclassed model is traced, not rebuilt: its call() must run as a TensorFlow "
            "graph (no .numpy(), no NumPy on tensors, no Python conditions on tensor values "
            "that AutoGraph cannot convert)."
            if traced
            else ""
        )
        raise ValueError(
            f"Cannot export {kind} '{model.name}' ({type(model).__name__}): tracing "
            f"call(inputs, training=False) failed with {type(error).__name__}: {error}.{hint}"
        ) from error
    return function


def _write(model, function, staging: Path, *, tflite: bool, keras_file: bool) -> None:
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", function)
    archive.write_out(str(staging), verbose=False)
    if tflite:
        convert_to_tflite(staging, staging / TFLITE_FILE)
    if keras_file:
        model.save(staging / KERAS_FILE)


def export_noise_free(
    model: keras.Model,
    path: str | os.PathLike,
    *,
    format: str = "tf_saved_model",
    input_signature: Any = None,
    overwrite: bool = False,
    tflite: bool = False,
    keras_file: bool = False,
    inputs: Any = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
) -> ExportReport:
    """Exports a deterministic SavedModel of `model`, with every noise removed, and proves it.

    Steps: `strip_noise` (a subclassed model is instead traced with ``training=False``); export a
    SavedModel whose ``serve`` endpoint and ``serving_default`` signature keep the model's input
    names and shapes with a dynamic batch dimension; optionally write a TFLite flatbuffer
    (``model.tflite``) and a ``.keras`` file of the stripped model (``model.keras``) into the same
    folder; then `verify_noise_free` against ``model(x, training=False)`` and, with `tflite`,
    compare the TFLite interpreter's outputs with the SavedModel's. The folder is written under a
    temporary name and moved into place when complete.

    Args:
        model: a built Keras model (Sequential, functional, or subclassed).
        path: the folder to write; it must not exist or be empty unless `overwrite`.
        format: the export format; ``"tf_saved_model"`` is the one supported.
        input_signature: as in Keras' `Model.export`: one entry per positional argument of
            `call` (a `tf.TensorSpec`, `keras.InputSpec`, or a structure of them); default: the
            model's inputs with a dynamic batch dimension. Builds an unbuilt model.
        overwrite: whether to replace an existing SavedModel folder at `path`.
        tflite: whether to also write and check ``model.tflite``.
        keras_file: whether to also write ``model.keras`` (the stripped model).
        inputs: inputs for the checks (see `verify_noise_free`); default: made from the
            signature.
        atol: absolute tolerance of the comparisons with the model and with TFLite.
        rtol: relative tolerance of those comparisons.

    Returns:
        An `ExportReport` whose `ok` is True.

    Raises:
        ValueError: for a non-empty `path` without `overwrite`, an unbuilt model without
            `input_signature`, an unsupported `format`, or a model whose call cannot be traced.
        NoiseFreeExportError: if the written SavedModel fails a check (`error.report`).

    Example:
    >>> import keras, tempfile, keras_noise as kn
    >>> model = keras.Sequential([
    ...     keras.Input((8,), name="features"),
    ...     kn.layers.Jitter(stddev=0.1, name="jitter"),
    ...     keras.layers.Dense(2),
    ... ])
    >>> report = kn.export.export_noise_free(model, tempfile.mkdtemp() + "/classifier")
    >>> report.ok, report.removed
    (True, ('jitter (Jitter)',))
    """
    if not isinstance(model, keras.Model):
        raise invalid_type("model", "a keras.Model", model)
    check_choice("format", format, ("tf_saved_model",))
    target = Path(path)
    _check_target(target, overwrite)
    if not model.built:
        if input_signature is None:
            raise invalid_value(
                "model",
                "a built model: call it on data first (model(x) or model.predict(x)) or pass "
                "input_signature=",
                model,
            )
        model(*_zeros(_normalize_signature(input_signature)), training=False)

    serving = unwrap_model(model)
    traced = not is_rebuildable(serving)
    stripped, log = (serving, StripLog()) if traced else strip_with_log(serving)
    signature = _input_signature(stripped, input_signature)
    if signature is None:
        raise invalid_value(
            "input_signature",
            f"the input specs of subclassed model '{model.name}', whose inputs Keras did not "
            "record (call it on data first, or pass input_signature=[tf.TensorSpec(...)])",
            None,
        )
    function = _trace(stripped, signature, traced)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:12]}"
    staging.mkdir()  # Unlike tempfile.mkdtemp, keeps the umask's permissions.
    try:
        _write(stripped, function, staging, tflite=tflite, keras_file=keras_file)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)

    run = run_checks(
        target, inputs=inputs, reference=model, signature=None, atol=atol, rtol=rtol, batch_size=2
    )
    failures = list(run.result.failures)
    tflite_path, tflite_diff = None, None
    if tflite:
        tflite_path = str(target / TFLITE_FILE)
        if run.outputs is not None:
            lite = run_tflite(tflite_path, run.feed)
            tflite_diff = 0.0
            for name, expected in run.outputs:
                got = lite.get(name)
                if got is None or got.shape != expected.shape:
                    failures.append(f"TFLite output '{name}' is missing or has another shape")
                    continue
                got64, want64 = got.astype("float64"), expected.astype("float64")
                if got.size:
                    tflite_diff = max(tflite_diff, float(np.max(np.abs(got64 - want64))))
                if not np.allclose(got64, want64, atol=atol, rtol=rtol):
                    failures.append(
                        f"TFLite output '{name}' differs from the SavedModel's: max |diff| "
                        f"{tflite_diff:.3g} > atol={atol:g} + rtol={rtol:g} * |SavedModel|"
                    )
    report = ExportReport(
        path=str(target),
        removed=tuple(log.removed),
        replaced=tuple(log.replaced),
        traced=traced,
        verification=run.result,
        tflite_path=tflite_path,
        tflite_max_abs_diff=tflite_diff,
        keras_path=str(target / KERAS_FILE) if keras_file else None,
        failures=tuple(failures),
    )
    if failures:
        raise NoiseFreeExportError(report)
    return report
