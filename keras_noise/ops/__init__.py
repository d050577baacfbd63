"""Pure functions with the math of each noise: draws, masks, mixing weights.

Layers are thin wrappers over these; the functions take tensors and seed tensors and hold no state,
so they can be used directly in custom training loops and `tf.data` code.
"""

from keras_noise.ops.input_noise import jitter, multiplicative_noise, salt_and_pepper
from keras_noise.ops.random import NoiseSeedGenerator, bernoulli, normal, split_seed, uniform

__all__ = [
    "NoiseSeedGenerator",
    "bernoulli",
    "jitter",
    "multiplicative_noise",
    "normal",
    "salt_and_pepper",
    "split_seed",
    "uniform",
]
