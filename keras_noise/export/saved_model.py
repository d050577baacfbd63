"""`export_noise_free`: strip, export a SavedModel, verify it, optionally convert it to TFLite."""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from keras_noise._keras_compat import is_functional, recorded_input_signature
from keras_noise._validation import check_choice, invalid_type, invalid_value
from keras_noise.export.strip import StripLog, is_rebuildable, strip_with_log, unwrap_model
from keras_noise.export.tflite import TFLiteOutcome, check_tflite_options, convert_and_check
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
        failures: every failed check of the SavedModel; empty when it passed (an export with
            failures raises `NoiseFreeExportError` and leaves nothing at the target path).
        tflite_error: why the requested TFLite part failed or is unchecked (also warned), or
            None. It never prevents the SavedModel.
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
    tflite_error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the SavedModel and every requested extra (TFLite) passed their checks."""
        return not self.failures and self.tflite_error is None

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
        if self.tflite_error is not None:
            lines.append(f"  TFLite FAILED: {self.tflite_error}")
        elif self.tflite_path is not None:
            lines.append(
                f"  TFLite: {self.tflite_path} (max |diff| vs SavedModel "
                f"{self.tflite_max_abs_diff:.3g})"
            )
        if self.keras_path is not None:
            lines.append(f"  Keras: {self.keras_path}")
        lines += [f"  - {failure}" for failure in self.failures[len(self.verification.failures) :]]
        return "\n".join(lines)


class NoiseFreeExportError(RuntimeError):
    """An export that failed verification; nothing was left at the target path.

    `error.report` says what failed.
    """

    def __init__(self, report: ExportReport):
        super().__init__(
            f"{report.summary()}\nThe export failed its checks: nothing was written to "
            f"{report.path}."
        )
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


def _write(model, function, staging: Path, *, keras_file: bool) -> None:
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", function)
    archive.write_out(str(staging), verbose=False)
    if keras_file:
        model.save(staging / KERAS_FILE)


def _move_into_place(staging: Path, target: Path) -> None:
    """Renames `staging` to `target`; an existing `target` is restored if that fails."""
    backup = None
    if target.exists():
        backup = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:12]}"
        target.rename(backup)
    try:
        staging.rename(target)
    except BaseException:
        if backup is not None:
            backup.rename(target)
        raise
    if backup is not None:
        shutil.rmtree(backup)


def export_noise_free(
    model: keras.Model,
    path: str | os.PathLike,
    *,
    format: str = "tf_saved_model",
    input_signature: Any = None,
    overwrite: bool = False,
    tflite: bool = False,
    tflite_options: Mapping[str, Any] | None = None,
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
    compare the TFLite interpreter's outputs with the SavedModel's. Everything is written and
    checked in a temporary folder beside `path` and moved into place only when the SavedModel
    passed: a failed export leaves nothing at `path` (and an overwritten SavedModel intact). A
    TFLite failure never prevents the SavedModel: it is warned about and reported in
    ``report.tflite_error``.

    Args:
        model: a built Keras model (Sequential, functional, or subclassed).
        path: the folder to write; it must not exist or be empty unless `overwrite`.
        format: the export format; ``"tf_saved_model"`` is the one supported.
        input_signature: as in Keras' `Model.export`: one entry per positional argument of
            `call` (a `tf.TensorSpec`, `keras.InputSpec`, or a structure of them); default: the
            model's inputs with a dynamic batch dimension. Builds an unbuilt model.
        overwrite: whether to replace an existing SavedModel folder at `path`.
        tflite: whether to also write and check ``model.tflite``.
        tflite_options: `tf.lite.TFLiteConverter` settings by attribute path, e.g.
            ``{"target_spec.supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS,
            tf.lite.OpsSet.SELECT_TF_OPS]}`` (see `convert_to_tflite`); requires `tflite`.
        keras_file: whether to also write ``model.keras`` (the stripped model).
        inputs: inputs for the checks (see `verify_noise_free`); default: made from the
            signature.
        atol: absolute tolerance of the comparisons with the model and with TFLite.
        rtol: relative tolerance of those comparisons.

    Returns:
        An `ExportReport`; its `ok` is False only when the TFLite part failed (a warning says
        so too, and `report.tflite_error` why).

    Raises:
        ValueError: for a non-empty `path` without `overwrite`, an unbuilt model without
            `input_signature`, an unsupported `format`, or a model whose call cannot be traced.
        NoiseFreeExportError: if the SavedModel fails a check (`error.report`); nothing is
            left at `path`.

    Examples:
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
    tflite_options = check_tflite_options(tflite_options)
    if tflite_options and not tflite:
        raise invalid_value("tflite_options", "None unless tflite=True", tflite_options)
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
        _write(stripped, function, staging, keras_file=keras_file)
        run = run_checks(
            staging, inputs=inputs, reference=model, signature=None, atol=atol, rtol=rtol,
            batch_size=2,
        )  # fmt: skip
        failures = run.result.failures
        lite = TFLiteOutcome(None, None, None)
        if tflite and not failures:
            lite = convert_and_check(
                staging, TFLITE_FILE, run.feed, run.outputs or [], options=tflite_options,
                atol=atol, rtol=rtol,
            )  # fmt: skip
        lite_path = None if lite.path is None else str(target / TFLITE_FILE)
        report = ExportReport(
            path=str(target),
            removed=tuple(log.removed),
            replaced=tuple(log.replaced),
            traced=traced,
            verification=dataclasses.replace(run.result, path=str(target)),
            tflite_path=lite_path,
            tflite_max_abs_diff=lite.max_abs_diff,
            keras_path=str(target / KERAS_FILE) if keras_file else None,
            failures=tuple(failures),
            tflite_error=lite.error,
        )
        if failures:
            raise NoiseFreeExportError(report)
        _move_into_place(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    if report.tflite_error is not None:
        warnings.warn(
            f"export_noise_free: the SavedModel at {target} was written and verified, but the "
            f"TFLite part failed: {report.tflite_error}. Converter settings pass through "
            "tflite_options=, e.g. {'target_spec.supported_ops': [tf.lite.OpsSet."
            "TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]} for string or other TF ops.",
            UserWarning,
            stacklevel=2,
        )
    return report
