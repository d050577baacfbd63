"""Keras layers that inject noise; see `keras_noise.layers.base` for the rules they share.

`Mixup` is a deprecated alias of `MixUp` (renamed in 0.2.0): it warns when constructed and still
loads configs saved under its old name.
"""

from keras_noise.layers.activation_noise import ActivationNoise
from keras_noise.layers.audio import AddNoiseSNR, SpeedPerturb
from keras_noise.layers.base import NoiseLayer
from keras_noise.layers.dropout import DropPath, MCDropout
from keras_noise.layers.image import Cutout
from keras_noise.layers.input_noise import Jitter, MultiplicativeNoise, SaltAndPepper
from keras_noise.layers.labels import LabelSmoothing
from keras_noise.layers.mixing import CutMix, MixUp, Mixup
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.layers.sequence import TemporalDropout
from keras_noise.layers.spectral import FrequencyMask, TimeMask
from keras_noise.layers.tabular import FeatureMask
from keras_noise.layers.text import TokenMask
from keras_noise.layers.weight_noise import DropConnect, WeightNoise

__all__ = [
    "ActivationNoise",
    "AddNoiseSNR",
    "CutMix",
    "Cutout",
    "DropConnect",
    "DropPath",
    "FeatureMask",
    "FrequencyMask",
    "Jitter",
    "LabelSmoothing",
    "MCDropout",
    "MixUp",
    "Mixup",  # deprecated alias of MixUp
    "MultiplicativeNoise",
    "NoiseLayer",
    "PipelineNoiseLayer",
    "SaltAndPepper",
    "SpeedPerturb",
    "TemporalDropout",
    "TimeMask",
    "TokenMask",
    "WeightNoise",
]
