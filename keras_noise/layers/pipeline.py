"""The base of data-pipeline layers: `NoiseLayer` plus the parsing of `tf.data` elements.

A data-pipeline layer (Jitter, Cutout, the masks, Mixup...) is called on what a `tf.data`
pipeline holds: a tensor, an `(x, y)` or `(x, y, sample_weight)` tuple, or a dict (TFDS style).
It finds the features (and, for label-mixing layers, the labels) in the element, transforms
them, and returns an element of the same structure. How the parts are found, and `key_map`, are
in `keras_noise.layers._structure`. With ``training=None`` these layers apply their noise in a
data pipeline (the training rule of `keras_noise.layers.base`).
"""

from __future__ import annotations

from collections.abc import Mapping

from keras_noise.layers._structure import check_key_map, parse_element
from keras_noise.layers.base import NoiseLayer


class PipelineNoiseLayer(NoiseLayer):
    """Base class of the layers that run in data pipelines and take `tf.data` elements.

    Args:
        strength: the initial value of `layer.strength`.
        seed: an int >= 0 for reproducible noise, or None.
        key_map: for dict elements, a dict from "features", "labels" and/or "sample_weight" to
            the keys that hold them, e.g. ``{"features": "image"}``; roles left out are looked
            up among the usual keys ("images", "image", "inputs"... / "labels", "label", "y" /
            "sample_weight"); see `keras_noise.layers._structure`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Examples:
        >>> import tensorflow as tf
        >>> import keras_noise as kn
        >>> jitter = kn.layers.Jitter(0.1, seed=0)
        >>> isinstance(jitter, kn.layers.PipelineNoiseLayer)
        True
        >>> x, y = jitter({"image": tf.zeros((2, 3)), "label": tf.constant([0, 1])}).values()
        >>> bool(tf.reduce_any(x != 0.0)), y.numpy().tolist()
        (True, [0, 1])
    """

    is_preprocessing = True

    def __init__(
        self,
        strength: float,
        *,
        seed: int | None = None,
        key_map: Mapping[str, str] | None = None,
        **kwargs,
    ):
        super().__init__(strength, seed=seed, **kwargs)
        self.key_map = check_key_map(key_map)

    def __call__(self, *args, **kwargs):
        # A bare tensor (and a positional `training`, as in `layer(x, True)`) gets Keras' own
        # `__call__`; tuples and dicts are elements to parse.
        if (len(args) == 1 and not isinstance(args[0], (tuple, dict))) or (
            len(args) == 2 and isinstance(args[1], bool)
        ):
            return super().__call__(*args, **kwargs)
        element = parse_element(args, layer_name=self.name, key_map=self.key_map)
        return element.rebuild(super().__call__(element.features, **kwargs))

    def get_config(self) -> dict:
        return {**super().get_config(), "key_map": self.key_map}
