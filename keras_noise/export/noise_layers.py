"""Which layers are noise, and what each one becomes in a noise-free model.

`strip_noise` treats these as noise:

* **keras-noise components**: any layer with an ``inference_layer()`` method (every
  `keras_noise.layers.NoiseLayer`). It returns None when the layer is the identity at inference
  (it is removed) or the layer to use instead (a weight-noise wrapper returns its inner layer,
  whose kernel is the clean one). A masking layer built with ``return_mask=True`` (TokenMask)
  becomes `NothingSelected`, which returns the inputs and an all-False mask.
* **`TimeDistributed` wrappers of noise**: removed with their noise, or re-wrapped around its
  inference form.
* **Keras' regularization layers**, random only in training: the identity at inference, removed.
* **Dropout arguments** of other layers (``dropout=`` and ``recurrent_dropout=`` of LSTM, GRU,
  SimpleRNN, ConvLSTM, MultiHeadAttention, Attention..., at any depth of the layer's config):
  the layer is replaced by a copy configured with rates 0, which computes the same at inference
  (Keras' RNN layers otherwise keep their dropout-mask draws in the serving graph, unused).
* **Keras' random augmentation layers**. They are the identity under ``training=False``, but their
  ``call`` defaults to ``training=True``, so Keras' ``model.export()`` (which calls the model with
  ``training=None``) keeps them drawing random numbers in the exported ``serve()``. Removed.

`KERAS_NOISE_LAYER_NAMES` lists the Keras classes by name (subclasses count too); names that a
given Keras version does not have are skipped. One Keras layer is replaced rather than removed:
``RandomCrop(height, width)`` becomes ``Resizing(height, width, crop_to_aspect_ratio=True)``,
the inference behaviour its documentation states and the output shape the rest of the model was
built for. Layers of other libraries (keras-cv...) are kept as they are; the verification step
of `export_noise_free` reports any random op they leave in the exported graph.
"""

from __future__ import annotations

import keras

#: Keras layers removed by `strip_noise` (by class name; subclasses are removed too).
KERAS_NOISE_LAYER_NAMES: tuple[str, ...] = (
    # Regularization noise, active only in training.
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    # Random augmentation (keras.layers, Keras 3).
    "AugMix",
    "CutMix",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Solarization",
)

#: Keras layers replaced by `strip_noise`, with their inference form.
KERAS_REPLACED_LAYERS: dict[str, str] = {
    "RandomCrop": "Resizing(height, width, crop_to_aspect_ratio=True)",
}


#: Config keys holding dropout rates, set to 0 in a layer's inference form.
DROPOUT_ARGUMENTS: tuple[str, ...] = ("dropout", "recurrent_dropout")


def _without_dropout(config: dict) -> dict | None:
    """`config` with every positive dropout rate set to 0 (nested configs too), or None."""
    changed = False

    def walk(value):
        nonlocal changed
        if isinstance(value, dict):
            result = {}
            for key, item in value.items():
                is_rate = isinstance(item, (int, float)) and not isinstance(item, bool)
                if key in DROPOUT_ARGUMENTS and is_rate and item > 0:
                    result[key], changed = 0.0, True
                else:
                    result[key] = walk(item)
            return result
        if isinstance(value, (list, tuple)):
            return type(value)(walk(item) for item in value)
        return value

    walked = walk(config)
    return walked if changed else None


@keras.saving.register_keras_serializable(package="keras_noise")
class NothingSelected(keras.layers.Layer):
    """The inference form of a masking layer built with ``return_mask=True``.

    Such a layer returns ``(outputs, selected)``; at inference nothing is selected, so this
    returns ``(inputs, all-False mask)``, keeping the model's two outputs wired.

    Examples:
        >>> import numpy as np
        >>> ids, selected = NothingSelected()(np.array([[3, 4]]))
        >>> ids.numpy().tolist(), selected.numpy().tolist()
        ([[3, 4]], [[False, False]])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs, keras.ops.zeros_like(inputs, dtype="bool")

    def compute_output_spec(self, inputs):
        return (
            keras.KerasTensor(inputs.shape, dtype=inputs.dtype),
            keras.KerasTensor(inputs.shape, dtype="bool"),
        )

    def compute_mask(self, inputs, mask=None):
        return mask, mask

    def get_config(self) -> dict:
        return super().get_config()


def _keras_classes(names) -> tuple[type, ...]:
    return tuple(cls for cls in (getattr(keras.layers, name, None) for name in names) if cls)


def is_noise_layer(layer: keras.layers.Layer) -> bool:
    """Whether `strip_noise` removes or replaces `layer` (see the module docstring).

    Examples:
        >>> import keras, keras_noise as kn
        >>> is_noise_layer(kn.layers.Jitter(stddev=0.1)), is_noise_layer(keras.layers.RandomFlip())
        (True, True)
        >>> is_noise_layer(keras.layers.Dense(2))
        False
    """
    return inference_form(layer) is not layer


def inference_form(layer: keras.layers.Layer) -> keras.layers.Layer | None:
    """What `layer` becomes in a noise-free model, one level deep.

    Args:
        layer: any Keras layer.

    Returns:
        None to remove the layer (it is the identity at inference), `layer` itself when it is not
        noise, or another layer to use in its place: an existing, built layer (a wrapper's inner
        layer, which `strip_noise` clones with its weights) or a new, unbuilt one (which
        `strip_noise` gives the original layer's weights).
    """
    hook = getattr(layer, "inference_layer", None)
    if callable(hook):
        form = hook()
        if form is None and getattr(layer, "return_mask", False) is True:
            return NothingSelected(dtype=layer.dtype_policy, name=layer.name)
        return form
    if isinstance(layer, keras.layers.TimeDistributed):
        inner = inference_form(layer.layer)
        if inner is layer.layer or inner is None:
            return inner if inner is None else layer
        return keras.layers.TimeDistributed(inner, name=layer.name)
    if isinstance(layer, _keras_classes(KERAS_NOISE_LAYER_NAMES)):
        return None
    if isinstance(layer, _keras_classes(["RandomCrop"])):
        return keras.layers.Resizing(
            layer.height,
            layer.width,
            crop_to_aspect_ratio=True,
            data_format=layer.data_format,
            dtype=layer.dtype_policy,
            name=layer.name,
        )
    if isinstance(layer, keras.Model):  # Models are rebuilt layer by layer instead.
        return layer
    try:
        config = _without_dropout(layer.get_config())
    except Exception:  # A custom layer without a usable config: nothing to reconfigure.
        return layer
    return layer if config is None else type(layer).from_config(config)
