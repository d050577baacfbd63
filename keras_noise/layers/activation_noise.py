"""ActivationNoise: Gaussian noise on hidden activations, only while training."""

from __future__ import annotations

import keras

from keras_noise._validation import check_choice
from keras_noise.layers.base import NoiseLayer
from keras_noise.ops import in_model as in_model_ops


@keras.saving.register_keras_serializable(package="keras_noise")
class ActivationNoise(NoiseLayer):
    """Adds Gaussian noise to the activations flowing through it, during training only.

    Place it after any hidden layer. It is the identity at inference, in `predict`/`evaluate`, in
    exports and when called with `training=None`; inside
    `keras_noise.uncertainty.sampling_mode` (and so in `predict_mc`) it samples.
    `layer.strength` is the standard deviation.

    The noise is drawn in float32 and cast once to the activations' dtype, so mixed-precision
    models get the same noise distribution as float32 ones.

    Args:
        stddev: the noise's standard deviation, >= 0: in the activations' units for
            "additive", relative for "multiplicative".
        mode: "additive" (`x + stddev * e`) or "multiplicative" (`x * (1 + stddev * e)`,
            Gaussian dropout: zeros stay zero and the noise follows each activation's scale),
            with `e ~ N(0, 1)` drawn per entry.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a float tensor of any shape.
        training: True to apply the noise; False or None for the identity.

    Returns:
        The noisy activations, same shape and dtype.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.ActivationNoise(stddev=0.1, seed=0)
        >>> x = np.ones((2, 3), "float32")
        >>> bool(np.all(layer(x) == x)), bool(np.any(layer(x, training=True) != x))
        (True, True)

    References:
        Poole, Sohl-Dickstein and Ganguli, "Analyzing noise in autoencoders and deep networks",
        2014. Srivastava et al., "Dropout: a simple way to prevent neural networks from
        overfitting", JMLR 2014 (section 10, multiplicative Gaussian noise).
    """

    strength_name = "stddev"
    mc_sampling = True

    def __init__(self, stddev: float, *, mode: str = "additive", seed: int | None = None, **kwargs):
        super().__init__(stddev, seed=seed, **kwargs)
        self.mode = check_choice("mode", mode, ("additive", "multiplicative"))

    def apply_noise(self, inputs):
        seed = self.seed_generator.next()
        stddev = self.read_strength(self.strength, "float32")
        return in_model_ops.activation_noise(inputs, stddev, seed, mode=self.mode)

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}
