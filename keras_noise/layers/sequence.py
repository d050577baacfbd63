"""TemporalDropout: drops whole time steps of sequences (every feature of a step at once)."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_noise._validation import check_choice, check_float
from keras_noise.layers._dtypes import ChecksScalarFill, KeepsInputDtype
from keras_noise.layers._layout import ExampleOrBatch, check_batched
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import sequence as sequence_ops


@keras.saving.register_keras_serializable(package="keras_noise")
class TemporalDropout(ExampleOrBatch, ChecksScalarFill, KeepsInputDtype, PipelineNoiseLayer):
    """Drops whole time steps of sequences with probability `rate`, filled by zero or forward.

    One decision is drawn per (example, time step) and shared by all the features of that step,
    so a dropped step is a missing frame or sensor reading, not scattered noise. Kept steps are
    not rescaled. A dropped step is filled with:

    * `fill_mode="constant"`: `fill_value` (default 0.0) in every feature;
    * `fill_mode="forward"`: the last kept step before it (forward fill, "sample and hold", the
      usual imputation of a missing reading); steps before an example's first kept step, which
      have nothing to repeat, get `fill_value`. Computed without a loop over time: a cumulative
      maximum of the kept step indices, then one gather.

    `layer.strength` is `rate`: the probability that a time step is dropped.

    Args:
        rate: the probability that a time step is dropped, in [0, 1].
        fill_mode: "constant" or "forward" (see above).
        fill_value: the value written into dropped steps (with "forward", only into those
            before the first kept step); for integer inputs, an integer in the dtype's range.
        batched: None to read the layout from the rank (rank 1: one sequence `(time,)`, rank 3:
            a batch `(batch, time, features)`; rank 2 is then an error), True for a batch
            `(batch, time, features...)`, False for one example `(time, features...)`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: one sequence `(time,)` or `(time, features)`, or a batch of them with a
            leading batch axis (see `batched`; with it, more feature axes are accepted), or a
            `tf.data` element holding them.
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The sequences with dropped steps, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.TemporalDropout(rate=0.3, seed=0)
        >>> y = np.asarray(layer(np.ones((64, 50, 3), "float32")))  # (batch, time, features)
        >>> dropped = (y == 0).all(axis=-1)
        >>> bool(np.all((y == 0).any(axis=-1) == dropped)), abs(float(dropped.mean()) - 0.3) < 0.03
        (True, True)
        >>> held = kn.layers.TemporalDropout(rate=0.5, fill_mode="forward", seed=0)
        >>> steps = np.asarray(held(np.arange(1, 41, dtype="float32")))  # one sequence (time,)
        >>> bool(np.all(np.diff(steps[steps > 0]) >= 0))  # values only repeat, never go back
        True

    References:
        Gal and Ghahramani, "A Theoretically Grounded Application of Dropout in Recurrent Neural
        Networks", NeurIPS 2016 (word/step dropout).
    """

    strength_name = "rate"
    strength_bounds = {"low": 0.0, "high": 1.0}
    example_layouts = {1: "(time,)", 2: "(time, features)"}
    extra_axes = True

    def __init__(
        self,
        rate: float,
        *,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        batched: bool | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.batched = check_batched(batched)
        self.fill_mode = check_choice("fill_mode", fill_mode, ("constant", "forward"))
        self.fill_value = check_float("fill_value", fill_value)

    def apply_noise(self, inputs):
        return self._on_batch(inputs, self._drop_steps)

    def _drop_steps(self, x):
        return sequence_ops.temporal_dropout(
            x,
            self.read_strength(self.strength, tf.float32),
            self.seed_generator.next(),
            fill_value=self.fill_value,
            forward_fill=self.fill_mode == "forward",
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
        }
