"""The one place where keras-noise reads Keras and TensorFlow internals: an upgrade breaks one file.

Every internal is looked up when it is used, through `keras_internal` / `tensorflow_internal`,
which raise `MissingInternalError` naming the internal and the installed Keras and TensorFlow
versions when it is gone: no silent fallback, so a Keras or TensorFlow change can never make
noise leak into inference (or labels get autocast) without an error. `TESTED_WITH` names the
versions the package is tested with. `tests/test_internals_fail_loud.py` proves each internal
exists in the installed versions and that its check raises when it is removed.

Keras 3 resolves a layer's `training` argument from its caller: an explicit argument, else the
value an outer layer passed down through the active call context. A layer called with no outer
layer at all (in a `tf.data` map, or directly) sees `training=None` and is the context's entry
layer; that is how preprocessing layers tell a data-pipeline call (`ds.map(block)`, `block(x)`) from
a model's inference call (see `keras_noise.layers.base`). These accessors raise a RuntimeError
naming the Keras version if the internals they read have moved: the training rule never guesses.
"""

from __future__ import annotations

import importlib
from typing import Any

import keras
import tensorflow as tf

#: The versions keras-noise is tested with (what `pyproject.toml` declares as minimums).
TESTED_WITH = "Keras 3.15 and TensorFlow 2.21"


class MissingInternalError(RuntimeError):
    """A Keras or TensorFlow internal that keras-noise relies on is missing in this version."""


def _missing(internal: str, library: str, error: Exception) -> MissingInternalError:
    return MissingInternalError(
        f"keras-noise relies on the {library} internal `{internal}`, which is missing in the "
        f"installed Keras {keras.__version__} / TensorFlow {tf.__version__} "
        f"({type(error).__name__}: {error}). keras-noise is tested with {TESTED_WITH}: install "
        "those versions, or a keras-noise release that supports yours."
    )


def keras_internal(module: str, attribute: str) -> Any:
    """`module.attribute` of Keras' private `keras.src` tree, or a `MissingInternalError`."""
    return _internal(module, attribute, "Keras")


def tensorflow_internal(module: str, attribute: str) -> Any:
    """`module.attribute` of TensorFlow's private `tensorflow.python` tree, or an error."""
    return _internal(module, attribute, "TensorFlow")


def _internal(module: str, attribute: str, library: str) -> Any:
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as error:
        raise _missing(f"{module}.{attribute}", library, error) from error


def in_xla_context() -> bool:
    """Whether the graph being traced is compiled with XLA (`jit_compile=True`).

    Raises:
        MissingInternalError: if TensorFlow's helper moved.
    """
    in_xla = tensorflow_internal(
        "tensorflow.python.ops.control_flow_util", "GraphOrParentsInXlaContext"
    )
    return bool(in_xla(tf.compat.v1.get_default_graph()))


def xla_philox_key_counter(seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """TensorFlow's own Philox key/counter scramble of `seed`, for use under XLA.

    Under XLA, draws fed by the one-kernel `StatelessRandomGetKeyCounter` compile to a path
    about 150x slower on CPU, while TensorFlow's small-op scramble fuses.

    Raises:
        MissingInternalError: if TensorFlow's helper moved.
    """
    scramble = tensorflow_internal("tensorflow.python.ops.random_ops_util", "get_key_counter_alg")
    key, counter, _ = scramble(seed, tf.random.Algorithm.PHILOX)
    return key, counter


def is_functional(model: keras.layers.Layer) -> bool:
    """Whether `model` is a functional model (a graph of layers), not a subclassed one.

    `keras.Sequential` is a subclass of Keras' `Functional` class; callers test it first.
    """
    return isinstance(model, keras_internal("keras.src.models.functional", "Functional"))


def recorded_input_signature(model: keras.Model) -> list | None:
    """The input specs Keras recorded when a subclassed model was first called, or None.

    None when the model was never called (Keras has nothing recorded); a missing Keras helper is
    a `MissingInternalError`, not a None.
    """
    get_input_signature = keras_internal("keras.src.export.export_utils", "get_input_signature")
    try:
        return list(get_input_signature(model))
    except ValueError:  # Keras: "The model provided has never called" / "not yet been built".
        return None


def layer_tree(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """`layer` and every layer under it, depth first, each once: the package's one layer walk.

    The children of a layer are the sublayers Keras tracks for it (attributes, lists and dicts
    of layers; nested models and wrappers), in creation order, read with Keras' non-recursive
    `_flatten_layers`. The walk is pre-order with children in creation order at every depth
    (Keras' recursive `_flatten_layers` reverses the children below the first level).
    """
    found: list[keras.layers.Layer] = []
    seen: set[int] = set()
    stack = [layer]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        children = _private_attribute(current, "_flatten_layers")
        stack.extend(reversed(children(include_self=False, recursive=False)))
    return found


def call_context_entry_layer() -> keras.layers.Layer | None:
    """The layer whose call opened Keras' active call context (the outermost layer call), or None.

    Only meaningful inside a layer's `call`, where Keras has set the context up; None means no
    Keras layer call is running.

    Raises:
        MissingInternalError: if this Keras version has no call context (never guessed).
    """
    global_state = keras_internal("keras.src.backend.common.global_state", "get_global_attribute")
    context = global_state("current_call_ctx")
    if context is None:
        return None
    try:
        return context.entry_layer
    except AttributeError as error:
        raise _missing("CallContext.entry_layer", "Keras", error) from error


def created_trainable_variables(layer: keras.layers.Layer) -> list:
    """The variables `layer` itself (not its sublayers) created as trainable.

    Unlike `layer.trainable_weights`, freezing (`layer.trainable = False`, which sets
    `variable.trainable = False`) does not empty it: a frozen Dense still created a kernel.
    """
    return list(_private_attribute(layer, "_trainable_variables"))


def is_keras_data_layer(layer: keras.layers.Layer) -> bool:
    """Whether `layer` is one of Keras' `tf.data`-safe preprocessing layers.

    `Normalization`, `Rescaling`, `RandomFlip`...: layers that hold no trainable weights by design.
    """
    data_layer = keras_internal("keras.src.layers.preprocessing.data_layer", "DataLayer")
    return isinstance(layer, data_layer)


def disable_input_conversion(layer: keras.layers.Layer) -> None:
    """Stops Keras' `Layer.__call__` from converting (and autocasting) every call argument.

    Batch-level layers convert their parts themselves, so that labels keep their float dtype
    under mixed precision. Keras reads the flag `_convert_input_args`, set in `Layer.__init__`.

    Raises:
        MissingInternalError: if Keras no longer sets that flag (it would then ignore ours and
            autocast the labels).
    """
    _private_attribute(layer, "_convert_input_args")
    layer._convert_input_args = False


def _private_attribute(layer: keras.layers.Layer, name: str) -> Any:
    try:
        return getattr(layer, name)
    except AttributeError as error:
        raise _missing(f"Layer.{name}", "Keras", error) from error


def dataset_graph(dataset: tf.data.Dataset) -> Any:
    """The `GraphDef` of `dataset`'s pipeline (functions in its library), as the service sees it.

    Reads the dataset's private variant tensor (`Dataset._variant_tensor`; no public accessor
    serializes a dataset) and serializes it with `DatasetToGraphV2`, ignoring external state.

    Raises:
        MissingInternalError: if TensorFlow renamed the attribute.
    """
    try:
        variant = dataset._variant_tensor
    except AttributeError as error:
        raise _missing("tf.data.Dataset._variant_tensor", "TensorFlow", error) from error
    serialized = tf.raw_ops.DatasetToGraphV2(
        input_dataset=variant, external_state_policy=1, strip_device_assignment=True
    )
    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(serialized.numpy())
    return graph
