"""Label smoothing as a data operation on the labels of `tf.data` elements."""

from __future__ import annotations

from collections.abc import Mapping

import keras
import tensorflow as tf

from keras_noise.layers._batch import BatchNoiseLayer
from keras_noise.ops import mixing


@keras.saving.register_keras_serializable(package="keras_noise")
class LabelSmoothing(BatchNoiseLayer):
    """Label smoothing: moves a share `epsilon` of each label's mass to the uniform distribution.

    Labels become `y * (1 - epsilon) + epsilon / K` over `K` classes. Unlike the
    `label_smoothing` argument of Keras' cross-entropy losses, this is a data operation: it works
    with any loss and metric, composes with Mixup and CutMix (``.map(Mixup(...))
    .map(LabelSmoothing(0.1))``), and `epsilon` is a variable that schedules can move. Labels
    that are a single column are binary probabilities and are smoothed towards 1/2, as
    `keras.losses.BinaryCrossentropy(label_smoothing=...)` does.

    `layer.strength` is `epsilon`. The transform is deterministic: `seed` is accepted for the
    interface every keras-noise layer shares and draws nothing.

    Args:
        epsilon: the share of the mass spread uniformly, in [0, 1].
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

    Example:
    >>> import numpy as np, keras_noise as kn
    >>> smooth = kn.layers.LabelSmoothing(epsilon=0.2, num_classes=4)
    >>> print(smooth(np.array([1, 3])).numpy().round(3))
    [[0.05 0.85 0.05 0.05]
     [0.05 0.05 0.05 0.85]]

    In a pipeline: ``ds.map(kn.layers.LabelSmoothing(0.1, num_classes=10))``.

    References:
        Szegedy, Vanhoucke, Ioffe, Shlens and Wojna, "Rethinking the Inception Architecture for
        Computer Vision", CVPR 2016, arXiv:1512.00567.
    """

    strength_name = "epsilon"
    strength_bounds = {"low": 0.0, "high": 1.0}
    needs_labels = False

    def __init__(
        self,
        epsilon: float = 0.1,
        *,
        num_classes: int | None = None,
        key_map: Mapping[str, str] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(epsilon, num_classes=num_classes, key_map=key_map, seed=seed, **kwargs)

    def apply_batch(self, features, labels, sample_weight):
        probabilities = self.class_probabilities(labels, batched=False)
        epsilon = self.read_strength(self.strength, tf.float32)
        smoothed = mixing.smooth_labels(probabilities, epsilon)
        return features, self.restore_label_dtype(smoothed, labels), sample_weight
