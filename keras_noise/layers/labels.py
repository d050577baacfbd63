"""Label smoothing as a data operation on the labels of `tf.data` elements."""

from __future__ import annotations

from collections.abc import Mapping

import keras
import tensorflow as tf

from keras_noise._deprecation import renamed_arguments
from keras_noise._validation import invalid_value
from keras_noise.layers._batch import BatchNoiseLayer
from keras_noise.ops import labels as label_ops


@keras.saving.register_keras_serializable(package="keras_noise")
class LabelSmoothing(BatchNoiseLayer):
    """Label smoothing: moves a share `smoothing` of each label's mass to the uniform distribution.

    Labels become `y * (1 - smoothing) + smoothing / K` over `K` classes. Unlike the
    `label_smoothing` argument of Keras' cross-entropy losses, this is a data operation: it works
    with any loss and metric, composes with MixUp and CutMix (``.map(MixUp(...))
    .map(LabelSmoothing(0.1))``), and `smoothing` is a variable that schedules can move.

    Binary labels (each value the probability of the positive class, as for a sigmoid output,
    also multi-label) are smoothed towards 1/2, `y * (1 - smoothing) + smoothing / 2`, as
    `keras.losses.BinaryCrossentropy(label_smoothing=...)` does. Which labels are binary:

    * `binary=True`: all of them, any shape (integer 0/1 labels too);
    * `binary=False`, or `num_classes` given: none (class ids or class probabilities);
    * `binary=None` (default): float labels with a last axis of size 1 (`(batch, 1)`) are
      binary, float labels with a wider last axis are class probabilities, integer labels are
      class ids; float labels of rank 0 or 1 are ambiguous (a batch `(batch,)` of binary labels,
      or one example's class probabilities `(classes,)`) and raise an error asking for
      `binary=` or `num_classes`.

    `layer.strength` is `smoothing`. The transform is deterministic: `seed` is accepted for the
    interface every keras-noise layer shares and draws nothing.

    Args:
        smoothing: the share of the mass spread uniformly, in [0, 1].
        binary: whether the labels are binary probabilities (see above); None reads it from
            their shape where that is unambiguous.
        num_classes: the number of classes; required when the labels are integer class ids.
        key_map: for dict elements, a dict from "features", "labels" and/or "sample_weight" to
            their keys; by default "images", "labels", "sample_weight" and a few usual others.
        seed: unused (no randomness); an int >= 0 or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a `tf.data` element `(x, y)`, `(x, y, sample_weight)` or a dict, batched or
            not; or the labels alone. Labels are integer class ids of any shape (a trailing axis
            of size 1 is dropped) or float probabilities with the classes on the last axis.
        training: see the training rule in `keras_noise.layers.base`; outside training the
            element is returned unchanged.

    Returns:
        The same structure with the labels smoothed, as float probabilities (float labels keep
        their dtype, class ids become float32); inputs and sample weights unchanged.

    Raises:
        ValueError: for class ids without `num_classes` or outside `[0, num_classes)`, float
            labels whose class axis differs from `num_classes`, or a dict without labels.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> smooth = kn.layers.LabelSmoothing(smoothing=0.2, num_classes=4)
        >>> print(smooth(np.array([1, 3])).numpy().round(3))
        [[0.05 0.85 0.05 0.05]
         [0.05 0.05 0.05 0.85]]
        >>> binary = kn.layers.LabelSmoothing(smoothing=0.1, binary=True)
        >>> print(binary(np.array([0.0, 1.0, 1.0], "float32")).numpy().round(3))
        [0.05 0.95 0.95]

        In a pipeline: ``ds.map(kn.layers.LabelSmoothing(0.1, num_classes=10))``.

    References:
        Szegedy, Vanhoucke, Ioffe, Shlens and Wojna, "Rethinking the Inception Architecture for
        Computer Vision", CVPR 2016, arXiv:1512.00567.
    """

    strength_name = "smoothing"
    strength_bounds = {"low": 0.0, "high": 1.0}
    needs_labels = False

    @renamed_arguments(epsilon="smoothing")
    def __init__(
        self,
        smoothing: float = 0.1,
        *,
        binary: bool | None = None,
        num_classes: int | None = None,
        key_map: Mapping[str, str] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(smoothing, num_classes=num_classes, key_map=key_map, seed=seed, **kwargs)
        if binary is not None and not isinstance(binary, bool):
            raise invalid_value("binary", "None, True or False", binary)
        if binary and num_classes is not None:
            raise invalid_value(
                "num_classes", "None with binary=True (binary labels have no classes)", num_classes
            )
        self.binary = binary

    def apply_batch(self, features, labels, sample_weight):
        smoothing = self.read_strength(self.strength, tf.float32)
        if self._is_binary(labels):
            positive = tf.cast(labels, tf.float32)[..., None]  # one column: towards 1/2
            smoothed = label_ops.smooth_labels(positive, smoothing)[..., 0]
            if not labels.dtype.is_floating:
                return features, smoothed, sample_weight
            return features, tf.cast(smoothed, labels.dtype), sample_weight
        probabilities = self.class_probabilities(labels, batched=False)
        smoothed = label_ops.smooth_labels(probabilities, smoothing)
        return features, self.restore_label_dtype(smoothed, labels), sample_weight

    def _is_binary(self, labels) -> bool:
        if self.binary is not None:
            if self.binary:
                self._check_binary_dtype(labels)
            return self.binary
        if not labels.dtype.is_floating or self.num_classes is not None:
            return False
        rank = labels.shape.rank
        if rank is not None and rank <= 1:
            raise ValueError(
                f"Invalid labels for layer '{self.name}': float labels of shape "
                f"{tuple(labels.shape)} are either binary labels (one per example) or one "
                "example's class probabilities; say which with binary=True, or binary=False "
                "(or num_classes=...). Float class ids must be cast to integers and need "
                f"num_classes. Received: labels of shape {tuple(labels.shape)}, "
                f"{labels.dtype.name}"
            )
        return labels.shape[-1] == 1

    def _check_binary_dtype(self, labels) -> None:
        dtype = tf.as_dtype(labels.dtype)
        if not (dtype.is_floating or dtype.is_integer):
            raise TypeError(
                f"Invalid labels for layer '{self.name}': expected binary labels as floats or "
                f"integers 0/1. Received: labels of dtype {dtype.name}"
            )

    def compute_output_spec(self, inputs, labels=None, sample_weight=None, training=None):
        if not self.binary:
            return super().compute_output_spec(inputs, labels, sample_weight, training)
        target = inputs if labels is None else labels
        dtype = target.dtype if "float" in str(target.dtype) else "float32"
        spec = keras.KerasTensor(target.shape, dtype=dtype)
        if labels is None:
            return spec
        parts = super().compute_output_spec(inputs, labels, sample_weight, training)
        return (parts[0], spec, *parts[2:])

    def get_config(self) -> dict:
        return {**super().get_config(), "binary": self.binary}
