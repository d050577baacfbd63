"""Noise in `tf.data` pipelines: reproducible keyed maps, and the `tf.data` service.

* `map`: per-element keyed noise, bit-for-bit reproducible under parallel maps (`keyed`).
* `distribute`: distinct noise on every `tf.data` service worker, strengths per epoch
  (`service`).
"""

from keras_noise.data.keyed import element_key, map  # noqa: A004 - mirrors `Dataset.map`.
from keras_noise.data.service import distribute, is_served

__all__ = ["distribute", "element_key", "is_served", "map"]
