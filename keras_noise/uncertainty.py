"""Monte-Carlo dropout prediction: mean, std, predictive entropy and mutual information (BALD).

`model(x, training=True)`, the usual way to sample a dropout network at test time, also switches
BatchNormalization to batch statistics (and updates its moving averages) and turns on any other
training-only behaviour. `predict_mc` instead runs the model in inference mode inside
`sampling_mode`, where only the stochastic layers sample:

* keras-noise in-model layers (`MCDropout`, `ActivationNoise`, `DropPath`, `WeightNoise`,
  `DropConnect`: every `NoiseLayer` with `mc_sampling = True`);
* Keras' own dropout layers (`Dropout`, `SpatialDropout1D/2D/3D`, `GaussianDropout`,
  `AlphaDropout`), which are run through their training path.

Everything else (BatchNormalization, input-noise and preprocessing layers, ...) stays in inference
mode and no variable is updated.

Samples are batched: each step stacks `samples` copies of a batch of examples (sample-major) and
runs the model once on `samples * batch_size` rows, inside one traced function, then reduces over
the samples in the same graph, so only the summaries leave the device.
"""

from __future__ import annotations

import contextlib
import dataclasses
import weakref
from collections.abc import Iterable, Iterator

import keras
import numpy as np
import tensorflow as tf

from keras_noise._keras_compat import layer_tree
from keras_noise._validation import check_choice, check_int, invalid_type, invalid_value
from keras_noise.layers import _sampling_mode
from keras_noise.layers.base import NoiseLayer

__all__ = [
    "MCPrediction",
    "mutual_information",
    "predict_mc",
    "predictive_entropy",
    "sampling_mode",
    "stochastic_layers",
]

#: Keras layers that `sampling_mode` runs through their training path (subclasses included).
KERAS_DROPOUT_LAYERS = (
    keras.layers.Dropout,  # also SpatialDropout1D/2D/3D
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
)

_OUTPUTS = ("probabilities", "logits", "regression")
_TRAINER_FUNCTIONS = ("predict_function", "test_function", "train_function")
_PROBABILITY_TOLERANCE = 1e-2  # float16 softmax rows sum to 1 within ~1e-3


# ------------------------------------------------------------------------------------- the math
def predictive_entropy(probabilities) -> tf.Tensor:
    """The entropy (in nats) of class probabilities along the last axis.

    A last axis of size 1 holds the probability of the positive class of a binary (sigmoid)
    output, whose entropy is that of the Bernoulli distribution `(p, 1 - p)`.

    Args:
        probabilities: a float tensor `(..., K)` whose last axis sums to 1 (or `(..., 1)`).

    Returns:
        A float32 tensor `(...)` with values in `[0, log K]` (`[0, log 2]` for a binary output).

    Example:
    >>> round(float(predictive_entropy([[0.5, 0.5]])[0]), 4)  # log 2
    0.6931
    >>> float(predictive_entropy([[1.0, 0.0]])[0])
    0.0
    """
    p = tf.cast(probabilities, tf.float32)
    if p.shape[-1] == 1:
        p = tf.concat([p, 1.0 - p], axis=-1)
    p = tf.clip_by_value(p, 0.0, 1.0)
    return 0.0 - tf.reduce_sum(tf.math.xlogy(p, p), axis=-1)  # 0.0 - x: no negative zero


def mutual_information(sample_probabilities) -> tf.Tensor:
    """BALD: the mutual information between the prediction and the model's weights.

    `H[mean_s p_s] - mean_s H[p_s]`: the part of the predictive entropy that comes from
    disagreement between samples (epistemic uncertainty), as opposed to each sample's own
    uncertainty. It is 0 when all samples agree.

    Args:
        sample_probabilities: a float tensor `(samples, ..., K)` of per-sample probabilities.

    Returns:
        A float32 tensor `(...)` with values in `[0, log K]` (in nats).

    Example:
    >>> agree = [[[0.5, 0.5]], [[0.5, 0.5]]]
    >>> float(mutual_information(agree)[0])
    0.0
    >>> disagree = [[[1.0, 0.0]], [[0.0, 1.0]]]
    >>> round(float(mutual_information(disagree)[0]), 4) == round(float(np.log(2.0)), 4)
    True
    """
    p = tf.cast(sample_probabilities, tf.float32)
    total = predictive_entropy(tf.reduce_mean(p, axis=0))
    expected = tf.reduce_mean(predictive_entropy(p), axis=0)
    return tf.maximum(total - expected, 0.0)


def _to_probabilities(outputs: tf.Tensor, output: str) -> tf.Tensor:
    if output != "logits":
        return outputs
    if outputs.shape[-1] == 1:
        return tf.sigmoid(outputs)
    return tf.nn.softmax(outputs, axis=-1)


def _summarize(samples: tf.Tensor, output: str) -> dict[str, tf.Tensor]:
    """Reduces `(samples, batch, ...)` float32 outputs to the per-example summaries."""
    values = _to_probabilities(samples, output)
    summary = {
        "mean": tf.reduce_mean(values, axis=0),
        "std": tf.math.reduce_std(values, axis=0),
    }
    if output != "regression":
        summary["entropy"] = predictive_entropy(summary["mean"])
        summary["mutual_information"] = mutual_information(values)
    if output == "probabilities":
        # Scalars that `predict_mc` checks on the host to reject outputs that are not
        # probabilities (a wrong `output=` would give meaningless entropies).
        summary["min"] = tf.reduce_min(values)
        summary["max"] = tf.reduce_max(values)
        if values.shape[-1] != 1:
            summary["sum_error"] = tf.reduce_max(tf.abs(tf.reduce_sum(values, axis=-1) - 1.0))
    return summary


# ------------------------------------------------------------------------------ sampling mode
def stochastic_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The layers of `model` (nested ones included) that sample in `sampling_mode`.

    Example:
    >>> import keras_noise as kn
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dropout(0.1),
    ...                           kn.layers.MCDropout(0.1), keras.layers.Dense(2)])
    >>> [type(layer).__name__ for layer in stochastic_layers(model)]
    ['Dropout', 'MCDropout']
    """
    return [
        layer
        for layer in layer_tree(model)
        if isinstance(layer, KERAS_DROPOUT_LAYERS)
        or (isinstance(layer, NoiseLayer) and layer.mc_sampling)
    ]


def _training_path_call(layer: keras.layers.Layer):
    original = layer.call

    def call(inputs, training=None):
        del training  # Sampling mode: always the training (dropping) path.
        return original(inputs, training=True)

    return call


@contextlib.contextmanager
def sampling_mode(model: keras.layers.Layer, *, samples: int = 1) -> Iterator[None]:
    """Makes `model`'s stochastic layers sample while every other layer stays in inference mode.

    Inside the context, call the model with `training=False` (or without `training`): keras-noise
    in-model layers and Keras dropout layers sample (see the module docstring), BatchNormalization
    uses its moving statistics and nothing is updated. The switch happens when layers are called:
    in eager calls and while functions are traced. `model.predict` (and `evaluate`) inside the
    context trace sampling functions that are discarded on exit, when the model's clean ones come
    back; other `tf.function`s you trace inside keep sampling.

    Args:
        model: the model (or layer) whose Keras dropout layers to switch.
        samples: the number of Monte-Carlo samples stacked sample-major on the batch axis of
            each call (`predict_mc` stacks them); layers that draw one noise per call (weight
            noise, DropConnect) draw one per stacked sample. 1 for plain calls.

    Example:
    >>> import numpy as np, keras_noise as kn
    >>> model = keras.Sequential([keras.Input((8,)), kn.layers.MCDropout(0.5, seed=0)])
    >>> x = np.ones((1, 8), "float32")
    >>> bool(np.all(model(x) == x))
    True
    >>> with sampling_mode(model):
    ...     bool(np.all(model(x) == x))
    False
    """
    samples = check_int("samples", samples, low=1)
    switched = [
        layer
        for layer in stochastic_layers(model)
        if isinstance(layer, KERAS_DROPOUT_LAYERS) and "call" not in vars(layer)
    ]
    # Keras' cached predict/test/train functions are set aside: inside, they are traced afresh
    # (sampling); on exit, the clean ones come back and the sampling ones are discarded.
    traced = {name: getattr(model, name, None) for name in _TRAINER_FUNCTIONS}
    for name, function in traced.items():
        if function is not None:
            setattr(model, name, None)
    for layer in switched:
        layer.call = _training_path_call(layer)
    try:
        with _sampling_mode.activate(samples):
            yield
    finally:
        for layer in switched:
            del layer.call
        for name, function in traced.items():
            if hasattr(model, name):
                setattr(model, name, function)


# ------------------------------------------------------------------------------- predict_mc
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


def _sampling_function(model: keras.layers.Layer, samples: int, output: str):
    """A traced step: stack `samples` copies of a batch, run the model once, summarize."""
    cache = _FUNCTIONS.setdefault(model, {})
    key = (samples, output)
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
        cache[key] = tf.function(step, reduce_retracing=True, autograph=False)
    return cache[key]


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

    Returns:
        An `MCPrediction` with `mean`, `std`, `entropy`, `mutual_information` (NumPy arrays,
        float32) and `samples`.

    Raises:
        ValueError: for `samples` < 1, a model without stochastic layers (every sample would be
            identical and std, entropy spread and mutual information all zero), a bad
            `batch_size`/`output`/`verbose`, or outputs that are not probabilities with
            `output="probabilities"`.
        TypeError: for an unsupported `x`.

    Example:
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
    function = _sampling_function(model, samples, output)
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
