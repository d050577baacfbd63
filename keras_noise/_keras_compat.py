"""The one place where keras-noise reads Keras and TensorFlow internals: an upgrade breaks one file.

Keras 3 resolves a layer's `training` argument from its caller: an explicit argument, else the
value an outer layer passed down through the active call context. A layer called with no outer
layer at all (in a `tf.data` map, or directly) sees `training=None` and is the context's entry
layer; that is how preprocessing layers tell a data-pipeline call (`ds.map(block)`, `block(x)`) from
a model's inference call (see `keras_noise.layers.base`). These accessors raise a RuntimeError
naming the Keras version if the internals they read have moved: the training rule never guesses.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _missing(internal: str, error: Exception) -> RuntimeError:
    return RuntimeError(
        f"keras-noise needs the Keras internal `{internal}`, which Keras {keras.__version__} does "
        f"not provide ({type(error).__name__}: {error}). keras-noise supports Keras 3.x up to the "
        "version it is tested with; please report this Keras version."
    )


def call_context_entry_layer() -> keras.layers.Layer | None:
    """The layer whose call opened Keras' active call context (the outermost layer call), or None.

    Only meaningful inside a layer's `call`, where Keras has set the context up; None means no
    Keras layer call is running.

    Raises:
        RuntimeError: if this Keras version has no call context (never guessed).
    """
    try:
        from keras.src.backend.common import global_state

        context = global_state.get_global_attribute("current_call_ctx")
        return None if context is None else context.entry_layer
    except (ImportError, AttributeError) as error:
        raise _missing("current_call_ctx.entry_layer", error) from error


def sublayers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """Every layer nested in `layer`, recursively, `layer` included (Keras' own tracking)."""
    try:
        return list(layer._flatten_layers(include_self=True, recursive=True))
    except AttributeError as error:
        raise _missing("Layer._flatten_layers", error) from error


def created_trainable_variables(layer: keras.layers.Layer) -> list:
    """The variables `layer` itself (not its sublayers) created as trainable.

    Unlike `layer.trainable_weights`, freezing (`layer.trainable = False`, which sets
    `variable.trainable = False`) does not empty it: a frozen Dense still created a kernel.
    """
    try:
        return list(layer._trainable_variables)
    except AttributeError as error:
        raise _missing("Layer._trainable_variables", error) from error


def is_keras_data_layer(layer: keras.layers.Layer) -> bool:
    """Whether `layer` is one of Keras' `tf.data`-safe preprocessing layers.

    `Normalization`, `Rescaling`, `RandomFlip`...: layers that hold no trainable weights by design.
    """
    try:
        from keras.src.layers.preprocessing.data_layer import DataLayer
    except ImportError as error:
        raise _missing("keras.src.layers.preprocessing.data_layer.DataLayer", error) from error
    return isinstance(layer, DataLayer)


def in_xla_context() -> bool:
    """Whether the graph being traced is compiled with XLA (`jit_compile=True`).

    Falls back to False (the non-XLA code path, which is also correct under XLA, only slower)
    if TensorFlow's internal helper moves.
    """
    try:
        from tensorflow.python.ops import control_flow_util

        graph = tf.compat.v1.get_default_graph()
        return bool(control_flow_util.GraphOrParentsInXlaContext(graph))
    except (ImportError, AttributeError):
        return False


def xla_philox_key_counter(seed: tf.Tensor):
    """TensorFlow's own Philox key/counter scramble of `seed`, for use under XLA, or None.

    Under XLA, draws fed by the one-kernel `StatelessRandomGetKeyCounter` compile to a path
    about 150x slower on CPU, while TensorFlow's small-op scramble fuses. None if TensorFlow
    moved the helper (callers then use the kernel: correct, only slower).
    """
    try:
        from tensorflow.python.ops import random_ops_util

        key, counter, _ = random_ops_util.get_key_counter_alg(seed, tf.random.Algorithm.PHILOX)
        return key, counter
    except (ImportError, AttributeError):
        return None
