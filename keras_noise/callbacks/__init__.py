"""`NoiseScheduler`: moves noise strengths along schedules during `fit`, without retracing.

* `components`: the noise-component protocol (`is_noise_component`) and finding components in a
  model (`find_noise_components`) and its optimizer chain.
* `selectors`: checking the scheduler's selectors and schedules, and their (de)serialization.
* `scheduler`: the `NoiseScheduler` callback.

Examples:
    >>> import keras_noise as kn
    >>> sorted(kn.callbacks.__all__)
    ['NoiseScheduler', 'find_noise_components', 'is_noise_component']
"""

from keras_noise.callbacks.components import find_noise_components, is_noise_component
from keras_noise.callbacks.scheduler import NoiseScheduler

__all__ = ["NoiseScheduler", "find_noise_components", "is_noise_component"]
