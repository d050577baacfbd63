"""Transitional path of `cutout` (`keras_noise.ops.image`) and `feature_mask` (`ops.tabular`).

Only `keras_noise.robustness.corruptions.package` still imports this module (its owner moves the
import to `keras_noise.ops`); delete this file with that import.
"""

from keras_noise.ops.image import cutout
from keras_noise.ops.tabular import feature_mask

__all__ = ["cutout", "feature_mask"]
