"""`sampling_mode`: a model's stochastic layers sample while every other layer stays in inference.

The stochastic layers (`stochastic_layers`):

* keras-noise in-model layers (`MCDropout`, `ActivationNoise`, `DropPath`, `WeightNoise`,
  `DropConnect`: every `NoiseLayer` with `mc_sampling = True`);
* Keras' own dropout layers (`Dropout`, `SpatialDropout1D/2D/3D`, `GaussianDropout`,
  `AlphaDropout`), which are run through their training path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras

from keras_noise._keras_compat import layer_tree
from keras_noise._validation import check_int
from keras_noise.layers import _sampling_mode
from keras_noise.layers.base import NoiseLayer

__all__ = ["KERAS_DROPOUT_LAYERS", "sampling_mode", "stochastic_layers"]

#: Keras layers that `sampling_mode` runs through their training path (subclasses included).
KERAS_DROPOUT_LAYERS = (
    keras.layers.Dropout,  # also SpatialDropout1D/2D/3D
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
)

_TRAINER_FUNCTIONS = ("predict_function", "test_function", "train_function")


def stochastic_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The layers of `model` (nested ones included) that sample in `sampling_mode`.

    Examples:
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

    Examples:
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
