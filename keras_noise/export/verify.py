"""`verify_noise_free`: prove that a SavedModel serves without noise.

Three checks, each named in the result when it fails:

1. **no random ops**: no graph or function of the SavedModel contains an op of
   `RANDOM_OP_TYPES` (read from `saved_model.pb`, without running anything);
2. **deterministic**: two calls of the serving signature on the same inputs give bit-identical
   outputs;
3. **matches the reference** (optional): the outputs equal ``reference(x, training=False)`` of a
   Keras model within a tolerance.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_noise._validation import check_float, check_int, invalid_type, invalid_value
from keras_noise.export.random_ops import find_random_ops


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    """What `verify_noise_free` found.

    Attributes:
        path: the SavedModel folder.
        signature: the signature that was called.
        random_ops: each random op type found, with where it occurs (empty when clean).
        deterministic: whether two calls gave bit-identical outputs (None: not called).
        reference_max_abs_diff: the largest |serving - reference| (None: no reference).
        failures: one readable line per failed check; empty when the SavedModel is noise-free.
    """

    path: str
    signature: str
    random_ops: dict[str, tuple[str, ...]]
    deterministic: bool | None
    reference_max_abs_diff: float | None
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.failures

    def summary(self) -> str:
        """A few lines for people: the verdict, then what failed."""
        if self.ok:
            checks = "no random ops; two calls bit-identical"
            if self.reference_max_abs_diff is not None:
                checks += f"; max |diff| vs reference {self.reference_max_abs_diff:.3g}"
            return f"noise-free: {self.path} (signature '{self.signature}': {checks})"
        lines = [f"NOT noise-free: {self.path} (signature '{self.signature}')"]
        lines += [f"  - {failure}" for failure in self.failures]
        return "\n".join(lines)


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _example_inputs(specs: dict[str, tf.TensorSpec], batch_size: int) -> dict[str, np.ndarray]:
    """Fixed inputs matching `specs`: None dimensions become `batch_size` (first) or 8."""
    rng = np.random.default_rng(0)
    inputs = {}
    for name, spec in sorted(specs.items()):
        dims = spec.shape.as_list() if spec.shape.rank is not None else [batch_size]
        shape = [
            (batch_size if i == 0 else 8) if dim is None else dim for i, dim in enumerate(dims)
        ]
        dtype = spec.dtype
        if dtype.is_floating:
            value = rng.uniform(0.0, 1.0, shape)
        elif dtype.is_integer:
            value = rng.integers(0, 2, shape)
        elif dtype.is_bool:
            value = rng.uniform(0.0, 1.0, shape) < 0.5
        else:
            raise TypeError(
                f"verify_noise_free cannot make example inputs for input '{name}' of dtype "
                f"{dtype.name}; pass them with inputs=."
            )
        inputs[name] = np.asarray(value).astype(dtype.as_numpy_dtype)
    return inputs


def _feed(specs: dict[str, tf.TensorSpec], inputs: Any) -> dict[str, np.ndarray]:
    """Maps user inputs (one array, or a dict by input name) onto the signature's inputs.

    Values are cast to the signature's dtypes, as Keras casts a model's inputs.
    """
    names = sorted(specs)
    if isinstance(inputs, dict):
        if sorted(inputs) != names:
            raise invalid_value(
                "inputs",
                f"a dict with the signature's input names {names}",
                {key: "..." for key in inputs},
            )
        values = {name: inputs[name] for name in names}
    elif len(names) != 1:
        raise invalid_type("inputs", f"a dict keyed by the signature's input names {names}", inputs)
    else:
        values = {names[0]: inputs}
    return {
        name: np.asarray(value).astype(specs[name].dtype.as_numpy_dtype, copy=False)
        for name, value in values.items()
    }


def _outputs(result) -> list[tuple[str, np.ndarray]]:
    """A signature's output dict as (name, array) pairs in the order of the model's outputs."""
    return [(name, np.asarray(result[name])) for name in sorted(result, key=_natural_key)]


def _reference_outputs(
    reference: keras.Model, feed: dict[str, np.ndarray], names: list[str]
) -> dict[str, np.ndarray] | None:
    """``reference(x, training=False)`` by signature output name; None if the counts differ.

    Dict outputs match by key; other structures in order (Keras names list outputs
    ``output_0``, ``output_1``...).
    """
    if len(feed) == 1:
        x = next(iter(feed.values()))
    else:
        structure = getattr(reference, "input", None) if reference.built else None
        try:
            x = tf.nest.map_structure(lambda t: feed[t.name], structure)
        except (KeyError, TypeError, AttributeError, ValueError):
            x = feed
    outputs = reference(x, training=False)
    if isinstance(outputs, dict) and sorted(map(str, outputs)) == sorted(names):
        return {str(key): np.asarray(value) for key, value in outputs.items()}
    flat = tf.nest.flatten(outputs)
    if len(flat) != len(names):
        return None
    return {name: np.asarray(value) for name, value in zip(names, flat, strict=True)}


def _compare(first, expected, atol: float, rtol: float, failures: list) -> float:
    """Appends a failure per output that differs from `expected`; returns the max |diff|."""
    largest = 0.0
    for key, got in first:
        want = expected[key]
        if got.shape != want.shape:
            failures.append(f"output '{key}' has shape {got.shape}, the reference {want.shape}")
            continue
        got64, want64 = got.astype("float64"), want.astype("float64")
        diff = float(np.max(np.abs(got64 - want64))) if got.size else 0.0
        largest = max(largest, diff)
        if not np.allclose(got64, want64, atol=atol, rtol=rtol):
            failures.append(
                f"output '{key}' differs from reference(x, training=False): max "
                f"|diff| {diff:.3g} > atol={atol:g} + rtol={rtol:g} * |reference|"
            )
    return largest


def _choose_signature(loaded, signature: str | None):
    available = sorted(loaded.signatures.keys())
    if signature is None:
        signature = "serving_default" if "serving_default" in available else None
        if signature is None and len(available) == 1:
            signature = available[0]
    if signature not in available:
        raise invalid_value(
            "signature", f"one of the SavedModel's signatures {available}", signature
        )
    return signature, loaded.signatures[signature]


def verify_noise_free(
    path: str | os.PathLike,
    *,
    inputs: Any = None,
    reference: keras.Model | None = None,
    signature: str | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    batch_size: int = 2,
) -> VerificationResult:
    """Checks that a SavedModel has no random ops, is deterministic and matches a reference.

    Args:
        path: a SavedModel folder.
        inputs: inputs for the calls: an array (single-input signatures) or a dict keyed by the
            signature's input names. Default: fixed inputs made from the signature (floats in
            [0, 1), integers in {0, 1}; unknown dimensions of size `batch_size` then 8).
        reference: a Keras model whose ``reference(x, training=False)`` the serving outputs must
            equal within `atol` + `rtol` * |reference| (e.g. the model before export).
        signature: the signature to call (default ``"serving_default"``, or the only one).
        atol: absolute tolerance of the reference comparison.
        rtol: relative tolerance of the reference comparison.
        batch_size: the batch size of default inputs.

    Returns:
        A `VerificationResult`; ``result.ok`` is True when the SavedModel is noise-free, and
        ``result.failures`` names what failed.

    Raises:
        ValueError: if `path` is not a SavedModel folder, or for an unknown `signature`.

    Examples:
        >>> import keras, tempfile, keras_noise as kn
        >>> model = keras.Sequential([keras.Input((6, 4, 1)), keras.layers.RandomErasing()])
        >>> folder = tempfile.mkdtemp()
        >>> model.export(folder, verbose=False)   # Keras keeps RandomErasing active in serve()
        >>> result = kn.export.verify_noise_free(folder)
        >>> result.ok, sorted(result.random_ops)[:1]
        (False, ['StatelessRandomGetKeyCounter'])
    """
    return run_checks(
        path,
        inputs=inputs,
        reference=reference,
        signature=signature,
        atol=atol,
        rtol=rtol,
        batch_size=batch_size,
    ).result


@dataclasses.dataclass(frozen=True)
class CheckRun:
    """A verification and the data it ran on (for export, which reuses them for TFLite)."""

    result: VerificationResult
    feed: dict[str, np.ndarray]
    outputs: list[tuple[str, np.ndarray]] | None


def run_checks(
    path: str | os.PathLike,
    *,
    inputs: Any,
    reference: keras.Model | None,
    signature: str | None,
    atol: float,
    rtol: float,
    batch_size: int,
) -> CheckRun:
    """`verify_noise_free`, also returning the inputs fed and the first call's outputs."""
    atol = check_float("atol", atol, low=0.0)
    rtol = check_float("rtol", rtol, low=0.0)
    batch_size = check_int("batch_size", batch_size, low=1)
    folder = os.fspath(path)
    random_ops = find_random_ops(folder)  # Raises for a path that is not a SavedModel.
    failures = []
    if random_ops:
        found = ", ".join(f"{op} (x{len(places)})" for op, places in random_ops.items())
        failures.append(f"random ops in the graph: {found}")

    try:
        loaded = tf.saved_model.load(folder)  # Kept alive while its functions run.
    except Exception as error:
        raise ValueError(
            f"Invalid value for `path`: expected a loadable SavedModel, but loading failed "
            f"({type(error).__name__}: {error}). Received: path={folder!r}"
        ) from error
    name, function = _choose_signature(loaded, signature)
    specs = function.structured_input_signature[1]
    feed = _example_inputs(specs, batch_size) if inputs is None else _feed(specs, inputs)

    deterministic, reference_diff = None, None
    try:
        first = _outputs(function(**{k: tf.constant(v) for k, v in feed.items()}))
        second = _outputs(function(**{k: tf.constant(v) for k, v in feed.items()}))
    except Exception as error:  # noqa: BLE001 - reported, not raised: it is a finding.
        failures.append(f"calling signature '{name}' failed: {type(error).__name__}: {error}")
        first = None
    if first is not None:
        deterministic = all(
            a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
            for (_, a), (_, b) in zip(first, second, strict=True)
        )
        if not deterministic:
            diffs = [
                f"'{key}' max |diff| {np.max(np.abs(a.astype('float64') - b)):.3g}"
                for (key, a), (_, b) in zip(first, second, strict=True)
                if a.tobytes() != b.tobytes()
            ]
            failures.append("two calls on the same inputs differ: " + ", ".join(diffs))
        if reference is not None:
            expected = _reference_outputs(reference, feed, [key for key, _ in first])
            if expected is None:
                failures.append(f"the reference's outputs do not match signature '{name}''s")
            else:
                reference_diff = _compare(first, expected, atol, rtol, failures)
    result = VerificationResult(
        path=folder,
        signature=name,
        random_ops=random_ops,
        deterministic=deterministic,
        reference_max_abs_diff=reference_diff,
        failures=tuple(failures),
    )
    return CheckRun(result, feed, first)
