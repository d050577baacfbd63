"""Keras layers that inject noise; see `keras_noise.layers.base` for the rules they share."""

from keras_noise.layers.base import NoiseLayer
from keras_noise.layers.input_noise import Jitter, MultiplicativeNoise, SaltAndPepper

__all__ = ["Jitter", "MultiplicativeNoise", "NoiseLayer", "SaltAndPepper"]
