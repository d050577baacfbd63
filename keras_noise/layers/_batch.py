"""The base of batch-level layers that transform labels with the inputs: MixUp, CutMix, smoothing.

They take the `tf.data` element of a batch, `(x, y)`, `(x, y, sample_weight)` or a dict (keys as
in Keras and KerasCV, ``{"images": x, "labels": y}``, or set by `key_map`), and return the same
structure. Labels are integer class ids (`num_classes` required), one-hot or soft probabilities;
transformed labels come out as float probabilities.

Only the features are autocast to the layer's compute dtype (as Keras does for every layer);
labels and sample weights keep their float dtype, so mixed-precision pipelines do not round the
targets to float16.

Input checks happen when the layer is traced, with the received shapes in the message. Checks on
values (class ids in range, batch sizes unknown until run time) raise a `ValueError` in eager
calls; inside a graph (a `tf.data` map, a `tf.function`) they run as assertions that stop the
pipeline with a `tf.errors.InvalidArgumentError` carrying the same message, since a graph cannot
raise Python errors on values. XLA drops assertions: there an out-of-range id gives NaN labels,
so the loss shows it rather than training on a zero row.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np
import tensorflow as tf

from keras_noise._keras_compat import disable_input_conversion
from keras_noise._validation import check_int, invalid_value
from keras_noise.layers._structure import keys_for, parse_element
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import labels as label_ops


def _shape_error(layer_name: str, expected: str, received: str) -> ValueError:
    return ValueError(
        f"Invalid input shape for layer '{layer_name}': expected {expected}. Received: {received}"
    )


def _shape_text(tensor) -> str:
    return str(tuple(tensor.shape))


def _as_tensor(value):
    if value is None or keras.backend.is_keras_tensor(value):
        return value
    return tf.convert_to_tensor(value)


class BatchNoiseLayer(PipelineNoiseLayer):
    """Base of layers called on batch elements with labels; subclasses implement `apply_batch`.

    Attributes:
        needs_labels: True when the layer needs `(x, y)` (MixUp, CutMix); False when a bare
            tensor is taken to be the labels (LabelSmoothing).

    Args:
        strength: the initial value of `layer.strength`.
        num_classes: the number of classes, required for integer class-id labels.
        key_map: for dict elements, a dict from "features", "labels" and/or "sample_weight" to the
            keys that hold them; roles left out are looked up among the usual keys ("images",
            "inputs", ... / "labels", "y" / "sample_weight", "sample_weights").
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments.
    """

    needs_labels = True

    def __init__(
        self,
        strength: float,
        *,
        num_classes: int | None = None,
        key_map: Mapping[str, str] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(strength, seed=seed, key_map=key_map, **kwargs)
        self.num_classes = (
            None if num_classes is None else check_int("num_classes", num_classes, low=2)
        )
        # `__call__` converts the parts itself: Keras would autocast labels to float16 too.
        disable_input_conversion(self)

    # ------------------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if len(args) == 3 and args[2] is None:  # a functional model replaying (x, y, None)
            args = args[:2]
        parts = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        if len(parts) > 1 and isinstance(parts[0], Mapping) and len(parts[0]) > 1:
            if not self.needs_labels:  # labels only: the model inputs pass through
                return (parts[0], self(parts[1], **kwargs), *parts[2:])
            raise ValueError(
                f"Layer '{self.name}' mixes whole examples, but the features are a dict of "
                f"{len(parts[0])} model inputs, and mixing one of them only would "
                "pair the labels with unmixed inputs. Apply it to elements with one input "
                "((x, y), or a dict with one features key), e.g. before splitting the inputs."
            )
        element = parse_element(args, layer_name=self.name, key_map=self.key_map)
        layer_call = super(PipelineNoiseLayer, self).__call__
        if not element.structured:
            if self.needs_labels:
                raise ValueError(
                    f"Layer '{self.name}' transforms the inputs and the labels together: call it "
                    "on (x, y), (x, y, sample_weight) or a dict with labels, e.g. "
                    f"ds.batch(32).map(layer). Received: a single tensor of shape "
                    f"{_shape_text(_as_tensor(element.features))}"
                )
            return layer_call(_as_tensor(element.features), **kwargs)
        if element.labels is None:
            dicts = [arg for arg in args if isinstance(arg, dict)]
            found = f"keys: {sorted(dicts[0])}" if dicts else "labels=None"
            raise ValueError(
                f"Layer '{self.name}' received an element without labels: expected a labels "
                f"entry (dict keys: one of {list(keys_for(self.key_map, 'labels'))}, or name "
                f"yours with key_map={{'labels': '<key>'}}). Received {found}"
            )
        features = self.dtype_policy.convert_input(
            element.features, self.autocast, self.input_dtype
        )
        parts = (features, _as_tensor(element.labels), _as_tensor(element.sample_weight))
        return element.rebuild(*layer_call(*parts, **kwargs))

    def call(self, inputs, labels=None, sample_weight=None, training=None):
        """Applies the layer when training (see `keras_noise.layers.base`), else the identity."""
        if labels is None:  # a bare tensor of labels
            if not self.noise_is_active(training):
                return inputs
            return self.apply_batch(None, inputs, None)[1]
        if self.noise_is_active(training):
            inputs, labels, sample_weight = self.apply_batch(inputs, labels, sample_weight)
        return (inputs, labels) if sample_weight is None else (inputs, labels, sample_weight)

    def apply_batch(self, features, labels, sample_weight):
        """Returns the transformed `(features, labels, sample_weight)`; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply_batch().")

    def compute_output_spec(self, inputs, labels=None, sample_weight=None, training=None):
        label_spec = self._label_spec(inputs if labels is None else labels)
        if labels is None:
            return label_spec
        features = keras.KerasTensor(inputs.shape, dtype=inputs.dtype)
        if sample_weight is None:
            return features, label_spec
        weight_dtype = sample_weight.dtype if _is_float(sample_weight.dtype) else "float32"
        return features, label_spec, keras.KerasTensor(sample_weight.shape, dtype=weight_dtype)

    def _label_spec(self, labels) -> keras.KerasTensor:
        if _is_float(labels.dtype):
            return keras.KerasTensor(labels.shape, dtype=labels.dtype)
        shape = tuple(labels.shape)
        if shape and shape[-1] == 1:
            shape = shape[:-1]
        return keras.KerasTensor((*shape, self.num_classes), dtype="float32")

    # ------------------------------------------------------------------------------ checks
    def class_probabilities(self, labels: tf.Tensor, *, batched: bool) -> tf.Tensor:
        """Checks `labels` and returns them as float32 class probabilities.

        Args:
            labels: the labels tensor.
            batched: whether the labels must be a batch of per-example labels, `(batch,)` or
                `(batch, 1)` ids or `(batch, classes, ...)` probabilities (MixUp, CutMix).

        Returns:
            Float32 probabilities over the last axis.
        """
        dtype = tf.as_dtype(labels.dtype)
        shape = _shape_text(labels)
        rank = labels.shape.rank
        if dtype.is_integer:
            if self.num_classes is None:
                raise invalid_value(
                    f"{self.name}.num_classes",
                    f"the number of classes, since the labels are integer class ids (shape "
                    f"{shape}, {dtype.name}); e.g. {type(self).__name__}(..., num_classes=10), "
                    "or pass one-hot float labels. The output labels are class probabilities "
                    "of shape (batch, num_classes): compile with `categorical_crossentropy` "
                    "(not `sparse_categorical_crossentropy`) and one-hot the validation labels "
                    "too, e.g. `val.map(lambda x, y: (x, tf.one_hot(y, num_classes)))`",
                    None,
                )
            if batched and rank == 0:
                raise self._unbatched_error(f"labels of shape {shape} (a single class id)")
            if batched and not (rank == 1 or (rank == 2 and labels.shape[1] == 1)):
                raise _shape_error(
                    self.name,
                    "integer class ids of shape (batch,) or (batch, 1); one-hot or soft labels "
                    "must be floats",
                    f"labels of shape {shape}, {dtype.name}",
                )
            self._check_class_ids(labels)
            return label_ops.class_probabilities(labels, self.num_classes)
        if not dtype.is_floating:
            raise TypeError(
                f"Invalid labels for layer '{self.name}': expected integer class ids or float "
                f"probabilities. Received: labels of dtype {dtype.name}"
            )
        if batched and rank is not None and rank <= 1:
            raise _shape_error(
                self.name,
                f"a batch of labels: one-hot or soft float labels (batch, classes), or integer "
                f"class ids (batch,) with num_classes ({type(self).__name__} mixes the examples "
                "of a batch). Float labels of one axis are either one example's (batch the "
                "dataset first, e.g. ds.batch(32).map(layer)) or a batch of float class ids "
                "(cast them to integers, e.g. ds.map(lambda x, y: (x, tf.cast(y, tf.int32))), "
                "and pass num_classes)",
                f"float labels of shape {shape}",
            )
        if rank == 0:
            raise _shape_error(
                self.name, "float labels with the classes on the last axis", "labels of shape ()"
            )
        classes = labels.shape[-1]
        if self.num_classes is not None and classes is not None and classes != self.num_classes:
            raise _shape_error(
                self.name,
                f"labels with num_classes={self.num_classes} columns",
                f"labels of shape {shape}",
            )
        return label_ops.class_probabilities(labels)

    def _check_class_ids(self, labels: tf.Tensor) -> None:
        expected = f"class ids in [0, {self.num_classes}) (num_classes={self.num_classes})"
        if tf.executing_eagerly():
            ids = np.asarray(labels)
            if ids.size and (ids.min() < 0 or ids.max() >= self.num_classes):
                raise ValueError(
                    f"Invalid labels for layer '{self.name}': expected {expected}. "
                    f"Received: ids from {ids.min()} to {ids.max()}"
                )
            return
        message = f"Invalid labels for layer '{self.name}': expected {expected}. Received: ids"
        ids = tf.cast(labels, tf.int64)
        tf.debugging.assert_non_negative(ids, message=message)
        tf.debugging.assert_less(ids, tf.constant(self.num_classes, tf.int64), message=message)

    def check_batch_sizes(self, features: tf.Tensor, labels: tf.Tensor, sample_weight) -> tf.Tensor:
        """Raises unless labels and sample weights have the batch size of the features.

        Sizes unknown until run time are checked by assertions; the returned `features` depend
        on them, so a mismatch fails with this message before any op that mixes the batch.
        """
        checks = []
        if features.shape.rank == 0:
            raise self._unbatched_error(f"inputs of shape {_shape_text(features)}")
        for name, part in (("labels", labels), ("sample weights", sample_weight)):
            if part is None:
                continue
            if part.shape.rank == 0:
                raise self._unbatched_error(f"{name} of shape {_shape_text(part)}")
            expected = f"{name} with the batch size of the inputs"
            size, part_size = features.shape[0], part.shape[0]
            if size is not None and part_size is not None:
                if size != part_size:
                    raise _shape_error(
                        self.name,
                        f"{expected} ({size})",
                        f"inputs of shape {_shape_text(features)} (batch size {size}) and "
                        f"{name} of shape {_shape_text(part)} (batch size {part_size})",
                    )
                continue
            message = (
                f"Invalid input shape for layer '{self.name}': expected {expected}. "
                f"Received: batch sizes (inputs, {name})"
            )
            # `Assert` on the scalar comparison: three ops where `assert_equal` takes five, and
            # every op of a `tf.data` map costs launch time on every batch.
            sizes = [tf.shape(features)[0], tf.shape(part)[0]]
            checks.append(tf.debugging.Assert(tf.equal(*sizes), [message, *sizes]))
        checks = [check for check in checks if check is not None]  # eager asserts return None
        if not checks:
            return features
        with tf.control_dependencies(checks):
            return tf.identity(features)

    def _unbatched_error(self, received: str) -> ValueError:
        return _shape_error(
            self.name,
            f"a batch of examples ({type(self).__name__} mixes the examples of a batch): batch "
            "the dataset first, e.g. ds.batch(32).map(layer)",
            received,
        )

    @staticmethod
    def float_weights(sample_weight):
        """Sample weights as floats (integer weights become float32)."""
        if sample_weight is None or sample_weight.dtype.is_floating:
            return sample_weight
        return tf.cast(sample_weight, tf.float32)

    @staticmethod
    def restore_label_dtype(probabilities: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        """Float labels keep their dtype; class ids become float32 probabilities."""
        if labels.dtype.is_floating:
            return tf.cast(probabilities, labels.dtype)
        return probabilities

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes}


def _is_float(dtype) -> bool:
    return tf.as_dtype(keras.backend.standardize_dtype(dtype)).is_floating
