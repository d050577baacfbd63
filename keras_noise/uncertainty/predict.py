"""`predict_mc`: Monte-Carlo prediction in `sampling_mode`, batched and summarized in-graph.

Samples are batched: each step stacks `samples` copies of a batch of examples (sample-major) and
runs the model once on `samples * batch_size` rows, inside one traced function, then reduces over
the samples in the same graph, so only the summaries leave the device.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Iterable

import keras
import numpy as np
import tensorflow as tf

from keras_noise._keras_compat import layer_tree
from keras_noise._validation import check_choice, check_int, invalid_type, invalid_value
from keras_noise.uncertainty.metrics import _summarize
from keras_noise.uncertainty.sampling import KERAS_DROPOUT_LAYERS, sampling_mode, stochastic_layers

__all__ = ["MCPrediction", "predict_mc"]

_OUTPUTS = ("probabilities", "logits", "regression")
_PROBABILITY_TOLERANCE = 1e-2  # float16 softmax rows sum to 1 within ~1e-3


@dataclasses.dataclass(frozen=True)
class MCPrediction:
    """The result of `predict_mc`, one row per example.

    Attributes:
        mean: the mean prediction over the samples, shaped like the model's output (class
            probabilities for `output="probabilities"` or `"logits"`).
        std: the per-output standard deviation over the samples (population std), same shape.
        entropy: the predictive entropy `H[mean]` in nats, shape `(examples,)`, in `[0, log K]`;
            None for `output="regression"`.
        mutual_information: BALD, `H[mean] - mean(H[sample])` in nats, shape `(examples,)`;
            None for `output="regression"`.
        samples: the number of Monte-Carlo samples per example.
    """

    mean: np.ndarray
    std: np.ndarray
    entropy: np.ndarray | None
    mutual_information: np.ndarray | None
    samples: int


_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sampling_function(model: keras.layers.Layer, samples: int, output: str, jit_compile: bool):
    """A traced step: stack `samples` copies of a batch, run the model once, summarize."""
    cache = _FUNCTIONS.setdefault(model, {})
    key = (samples, output, jit_compile)
    if key not in cache:
        model_ref = weakref.ref(model)

        def step(features):
            tiled = tf.nest.map_structure(lambda t: _tile(t, samples), features)
            outputs = model_ref()(tiled, training=False)
            if not tf.is_tensor(outputs):
                count = len(tf.nest.flatten(outputs))
                raise invalid_value(
                    "model", f"a model with a single output tensor, not {count}", model_ref()
                )
            outputs = tf.cast(outputs, tf.float32)
            shape = tf.shape(outputs)
            stacked = tf.reshape(outputs, tf.concat([[samples, shape[0] // samples], shape[1:]], 0))
            return _summarize(stacked, output)

        # No AutoGraph, as in Keras' own train/predict functions: plain tracing is enough.
        cache[key] = tf.function(
            step, reduce_retracing=True, autograph=False, jit_compile=jit_compile
        )
    return cache[key]


def _resolve_jit_compile(model: keras.layers.Layer, jit_compile) -> bool:
    """`jit_compile="auto"`: XLA when every stochastic layer is a keras-noise layer.

    Under XLA keras-noise layers draw from the counter hash, which fuses into the model's ops;
    Keras' own dropout layers draw through a generator that costs about 20x a step there, and a
    layer that says it cannot be compiled (`supports_jit = False`, e.g. string lookups) keeps
    the whole step out of XLA.
    """
    if isinstance(jit_compile, bool):
        return jit_compile
    if jit_compile != "auto":
        raise invalid_value("jit_compile", 'True, False or "auto"', jit_compile)
    layers = layer_tree(model)
    return all(getattr(layer, "supports_jit", True) for layer in layers) and not any(
        isinstance(layer, KERAS_DROPOUT_LAYERS) for layer in layers
    )


def _tile(tensor: tf.Tensor, samples: int) -> tf.Tensor:
    multiples = tf.concat([[samples], tf.ones([tf.rank(tensor) - 1], tf.int32)], axis=0)
    return tf.tile(tensor, multiples)


def _batches(x, batch_size: int | None) -> tuple[Iterable, int | None]:
    """The input as an iterable of feature batches, and the number of batches if known."""
    if isinstance(x, tf.data.Dataset):
        if batch_size is not None:
            raise invalid_value(
                "batch_size",
                "None when `x` is a tf.data.Dataset (it is already batched)",
                batch_size,
            )
        dataset = x.map(
            lambda *element: keras.utils.unpack_x_y_sample_weight(
                element[0] if len(element) == 1 else element
            )[0]
        )
        cardinality = int(dataset.cardinality())
        return dataset, cardinality if cardinality >= 0 else None
    expected = "a NumPy array, a tensor, a list/dict of them, or a tf.data.Dataset"
    if x is None or isinstance(x, (str, bytes)):
        raise invalid_type("x", expected, x)
    x = tuple(x) if isinstance(x, list) else x  # a list is several inputs, not one tensor
    arrays = tf.nest.map_structure(np.asarray, x)
    flat = tf.nest.flatten(arrays)
    if not all(a.dtype.kind in "biuf" and a.ndim >= 1 for a in flat):
        raise invalid_type("x", expected, x)
    rows = len(flat[0])
    if any(len(a) != rows for a in flat):
        raise invalid_value("x", "inputs with the same number of rows", [a.shape for a in flat])
    batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, low=1)
    starts = range(0, rows, batch_size)
    batches = (
        tf.nest.map_structure(lambda a, i=i: tf.constant(a[i : i + batch_size]), arrays)
        for i in starts
    )
    return batches, len(starts)


def _check_probabilities(summary: dict, output: str) -> None:
    low, high = float(summary["min"]), float(summary["max"])
    sum_error = float(summary.get("sum_error", 0.0))
    tol = _PROBABILITY_TOLERANCE
    if low < -tol or high > 1.0 + tol or sum_error > tol:
        raise invalid_value(
            "output",
            "'logits' or 'regression' for a model whose outputs are not probabilities (values "
            f"in [{low:.3g}, {high:.3g}], rows summing to 1 within {sum_error:.3g}); "
            "'probabilities' needs softmax or sigmoid outputs",
            output,
        )


def predict_mc(
    model: keras.Model,
    x,
    *,
    samples: int = 30,
    batch_size: int | None = None,
    output: str = "probabilities",
    verbose: str | int = "auto",
    jit_compile: bool | str = "auto",
) -> MCPrediction:
    """Monte-Carlo prediction: samples the model's stochastic layers, the rest in inference mode.

    Each example is predicted `samples` times with the model's dropout/noise layers sampling and
    BatchNormalization (and every other layer) in inference mode; nothing in the model is
    updated. See the module docstring for which layers sample.

    Each step runs the model once on `samples * batch_size` rows (the batch stacked `samples`
    times), so memory scales with that product: lower `batch_size` for large models.

    Args:
        model: a Keras model with a single output and at least one stochastic layer.
        x: inputs as for `model.predict`: a NumPy array or tensor, a list/dict of them for a
            multi-input model, or a batched `tf.data.Dataset` yielding `x`, `(x,)`, `(x, y)` or
            `(x, y, sample_weight)` (labels are ignored).
        samples: Monte-Carlo samples per example, >= 1.
        batch_size: examples per step for array inputs (default 32); must be None for a
            dataset.
        output: what the model outputs: "probabilities" (softmax, or a sigmoid unit for binary
            outputs), "logits" (softmax/sigmoid is applied to every sample before averaging, so
            `mean` and `std` are probabilities), or "regression" (no entropies).
        verbose: "auto" or 1 for a progress bar, 2 for one line per step, 0 for silence.
        jit_compile: whether to compile the sampling step with XLA. "auto" compiles it when
            every stochastic layer is a keras-noise layer (their draws then fuse into the
            model's ops, about a third less work for the benchmark CNN) and no layer has
            `supports_jit = False`; Keras' dropout layers keep it uncompiled (their draws cost
            about 20x a step under XLA). Each new batch shape compiles once (about a second for
            a small CNN on a CPU).

    Returns:
        An `MCPrediction` with `mean`, `std`, `entropy`, `mutual_information` (NumPy arrays,
        float32) and `samples`.

    Raises:
        ValueError: for `samples` < 1, a model without stochastic layers (every sample would be
            identical and std, entropy spread and mutual information all zero), a bad
            `batch_size`/`output`/`verbose`, or outputs that are not probabilities with
            `output="probabilities"`.
        TypeError: for an unsupported `x`.

    Examples:
        >>> import numpy as np, keras, keras_noise as kn
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
        ...                           kn.layers.MCDropout(0.5, seed=0),
        ...                           keras.layers.Dense(3, activation="softmax")])
        >>> result = kn.uncertainty.predict_mc(model, np.ones((5, 4), "float32"), samples=10,
        ...                                    verbose=0)
        >>> result.mean.shape, result.entropy.shape, bool((result.std > 0).any())
        ((5, 3), (5,), True)

    References:
        Gal and Ghahramani, "Dropout as a Bayesian approximation: representing model uncertainty
        in deep learning", ICML 2016. Houlsby et al., "Bayesian active learning for
        classification and preference learning", 2011 (BALD).
    """
    samples = check_int("samples", samples, low=1)
    output = check_choice("output", output, _OUTPUTS)
    verbose = check_choice("verbose", verbose, ("auto", 0, 1, 2))
    if not isinstance(model, keras.layers.Layer):
        raise invalid_type("model", "a Keras model", model)
    jit_compile = _resolve_jit_compile(model, jit_compile)
    if not stochastic_layers(model):
        raise invalid_value(
            "model",
            "a model with at least one stochastic layer (a keras-noise in-model layer such as "
            "MCDropout, or a keras.layers.Dropout); without one every sample is identical and "
            "std, entropy spread and mutual information would be all zero",
            model,
        )
    dataset, steps = _batches(x, batch_size)
    progbar = keras.utils.Progbar(steps, verbose=1 if verbose == "auto" else verbose)
    function = _sampling_function(model, samples, output, jit_compile)
    parts: list[dict[str, np.ndarray]] = []
    with sampling_mode(model, samples=samples):
        for step, features in enumerate(dataset):
            summary = {name: value.numpy() for name, value in function(features).items()}
            if output == "probabilities":
                _check_probabilities(summary, output)
            parts.append(summary)
            if verbose:
                progbar.update(step + 1)
    if not parts:
        raise invalid_value("x", "at least one example", x)

    def gather(name):
        if name not in parts[0]:
            return None
        return np.concatenate([part[name] for part in parts], axis=0)

    return MCPrediction(
        mean=gather("mean"),
        std=gather("std"),
        entropy=gather("entropy"),
        mutual_information=gather("mutual_information"),
        samples=samples,
    )
