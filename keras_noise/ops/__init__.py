"""Pure functions with the math of each noise: draws, masks, mixing weights.

Layers are thin wrappers over these; the functions take tensors and seed tensors and hold no state,
so they can be used directly in custom training loops and `tf.data` code. Every public op is
exported here; each lives in the module of its data domain, the mirror of its layer module
(`keras_noise.layers.image.Cutout` calls `keras_noise.ops.image.cutout`):

| module | ops |
|---|---|
| `random` | seeds and draws: `NoiseSeedGenerator`, `split_seed`, `uniform`, `normal`, `bernoulli` |
| `input_noise` | `jitter`, `multiplicative_noise`, `salt_and_pepper` |
| `image` | `cutout` and its parts: `random_boxes`, `random_box_sizes`, `box_mask` |
| `tabular` | `feature_mask` (masks from `bernoulli_16bit`) |
| `text` | `token_mask` |
| `sequence` | `temporal_dropout`, `last_kept_step`, `mask_along_axis` |
| `spectral` | `band_mask` |
| `audio` | `noise_from_bank`, `add_noise_at_snr`, `resample_linear` |
| `beta` | `symmetric_beta` |
| `mixing` | `mixup`, `cutmix`; `partner_indices`, `mix_features`, `cutmix_boxes`, `paste_boxes` |
| `labels` | `class_probabilities`, `mix_labels`, `smooth_labels` |
| `in_model` | `dropout`, `drop_path`, `drop_connect`, `weight_noise`, `activation_noise` |

Examples:
    >>> import tensorflow as tf, keras_noise as kn
    >>> seed = tf.constant([1, 2], tf.int64)
    >>> kn.ops.dropout(tf.ones((2, 3)), 0.0, seed).numpy().tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
"""

from keras_noise.ops._shared import bernoulli_16bit
from keras_noise.ops.audio import add_noise_at_snr, noise_from_bank, resample_linear
from keras_noise.ops.beta import symmetric_beta
from keras_noise.ops.image import box_mask, cutout, random_box_sizes, random_boxes
from keras_noise.ops.in_model import (
    activation_noise,
    drop_connect,
    drop_path,
    dropout,
    weight_noise,
)
from keras_noise.ops.input_noise import jitter, multiplicative_noise, salt_and_pepper
from keras_noise.ops.labels import class_probabilities, mix_labels, smooth_labels
from keras_noise.ops.mixing import (
    cutmix,
    cutmix_boxes,
    mix_features,
    mixup,
    partner_indices,
    paste_boxes,
)
from keras_noise.ops.random import NoiseSeedGenerator, bernoulli, normal, split_seed, uniform
from keras_noise.ops.sequence import last_kept_step, mask_along_axis, temporal_dropout
from keras_noise.ops.spectral import band_mask
from keras_noise.ops.tabular import feature_mask
from keras_noise.ops.text import token_mask

__all__ = [
    "NoiseSeedGenerator",
    "activation_noise",
    "add_noise_at_snr",
    "band_mask",
    "bernoulli",
    "bernoulli_16bit",
    "box_mask",
    "class_probabilities",
    "cutmix",
    "cutmix_boxes",
    "cutout",
    "drop_connect",
    "drop_path",
    "dropout",
    "feature_mask",
    "jitter",
    "last_kept_step",
    "mask_along_axis",
    "mix_features",
    "mix_labels",
    "mixup",
    "multiplicative_noise",
    "noise_from_bank",
    "normal",
    "partner_indices",
    "paste_boxes",
    "random_box_sizes",
    "random_boxes",
    "resample_linear",
    "salt_and_pepper",
    "smooth_labels",
    "split_seed",
    "symmetric_beta",
    "temporal_dropout",
    "token_mask",
    "uniform",
    "weight_noise",
]
