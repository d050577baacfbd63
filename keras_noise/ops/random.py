"""Random draws for every noise in the package: atomic per-call seeds and Philox stateless ops.

Two problems of Keras' own random layers are solved here, once, for every component:

* **Repeated noise under parallel `tf.data` maps.** `keras.random.SeedGenerator.next()` reads its
  state and then assigns the incremented state in a separate op; two parallel map calls can read the
  same state and draw the same noise. `NoiseSeedGenerator` reads and advances its state in one
  atomic kernel (`RngReadAndSkip`, the op behind `tf.random.Generator`), so every call gets its own
  seed, in `tf.data`, eager, `tf.function` and XLA alike.
* **Slow draws under XLA on CPU.** Stateless random ops default to the `auto_select` algorithm,
  which XLA lowers to a slow generator on CPU. Every draw here names Philox explicitly.

Draws are stateless functions of a seed tensor of shape `(2,)`; a layer asks its generator for one
seed per call and derives sub-seeds with `split_seed` when it needs several independent draws.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_noise._validation import check_seed

_PHILOX = tf.random.Algorithm.PHILOX
_PHILOX_ALG_ID = 1  # RNG_ALG_PHILOX in TensorFlow's rng_alg.h; its state is int64[3].
_MAX_KEY = 2**31 - 1


@keras.saving.register_keras_serializable(package="keras_noise")
class NoiseSeedGenerator(keras.random.SeedGenerator):
    """A `keras.random.SeedGenerator` whose `next()` is atomic and safe in parallel `tf.data` maps.

    The state is an int64 variable `[counter_low, counter_high, key]`; `next()` returns the seed
    `[key, counter]` and advances the counter in the same kernel, so concurrent callers never share
    a seed. Under `tf.distribute` the replica id is folded into the seed, so replicas draw
    different noise for their different examples. Layers track and save it like any
    `SeedGenerator`.

    Args:
        seed: an int >= 0 for reproducible draws, or None for a random starting key.
        name: the generator's name.

    Example:
    >>> gen = NoiseSeedGenerator(seed=7)
    >>> first, second = gen.next(), gen.next()
    >>> bool(tf.reduce_all(first == second))
    False
    >>> bool(tf.reduce_all(NoiseSeedGenerator(seed=7).next() == first))
    True
    """

    def __init__(self, seed: int | None = None, name: str | None = None):
        # The parent creates a (2,)-shaped state that `RngReadAndSkip` cannot use, so the few
        # attributes it sets are set here instead.
        self.name = name or f"noise_seed_generator_{keras.backend.get_uid('noise_seed_generator')}"
        self.backend = keras.backend
        self._initial_seed = check_seed(seed)
        key = self._initial_seed
        if key is None:
            key = int(tf.random.uniform((), 0, _MAX_KEY, dtype=tf.int64).numpy())

        def initializer(*args, **kwargs):
            return tf.constant([0, 0, key], dtype=tf.int64)

        with keras.name_scope(self.name, caller=self):
            self.state = keras.Variable(
                initializer,
                shape=(3,),
                dtype="int64",
                trainable=False,
                aggregation="none",
                name="seed_generator_state",
            )

    def next(self, ordered: bool = True) -> tf.Tensor:
        """Returns a fresh int64 seed of shape `(2,)` and atomically advances the state."""
        del ordered  # Every draw is ordered; the argument exists for Keras' signature.
        state = tf.raw_ops.RngReadAndSkip(
            resource=_resource_handle(self.state), alg=_PHILOX_ALG_ID, delta=1
        )
        seed = tf.stack([state[2], state[0]])
        replica_context = tf.distribute.get_replica_context()
        if replica_context is not None and replica_context.num_replicas_in_sync > 1:
            replica = tf.cast(replica_context.replica_id_in_sync_group, tf.int64)
            seed = tf.random.experimental.stateless_fold_in(seed, replica, alg=_PHILOX)
        return seed

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}


def _resource_handle(variable: keras.Variable) -> tf.Tensor:
    """The resource handle behind a Keras variable (the local copy inside a replica context)."""
    return variable.value.handle


def split_seed(seed: tf.Tensor, num: int) -> list[tf.Tensor]:
    """Derives `num` independent seeds from one, for layers that need several draws per call.

    Example:
    >>> a, b = split_seed(tf.constant([1, 2], tf.int64), 2)
    >>> bool(tf.reduce_all(a == b))
    False
    """
    seeds = tf.random.experimental.stateless_split(seed, num=num, alg=_PHILOX)
    return [seeds[i] for i in range(num)]


def normal(shape, seed: tf.Tensor, dtype=tf.float32) -> tf.Tensor:
    """Standard normal draws (Philox), in `dtype`.

    Example:
    >>> normal((2, 3), tf.constant([1, 2], tf.int64)).shape
    TensorShape([2, 3])
    """
    return tf.random.stateless_normal(shape, seed=seed, dtype=dtype, alg=_PHILOX)


def uniform(shape, seed: tf.Tensor, dtype=tf.float32, minval=0.0, maxval=1.0) -> tf.Tensor:
    """Uniform draws in `[minval, maxval)` (Philox); integer dtypes draw integers.

    Example:
    >>> x = uniform((1000,), tf.constant([1, 2], tf.int64))
    >>> bool(tf.reduce_min(x) >= 0.0) and bool(tf.reduce_max(x) < 1.0)
    True
    """
    return tf.random.stateless_uniform(
        shape, seed=seed, minval=minval, maxval=maxval, dtype=dtype, alg=_PHILOX
    )


def bernoulli(shape, probability, seed: tf.Tensor) -> tf.Tensor:
    """Boolean draws that are True with `probability` (a float or float32 tensor, broadcastable).

    Example:
    >>> bool(tf.reduce_any(bernoulli((100,), 0.0, tf.constant([1, 2], tf.int64))))
    False
    """
    return uniform(shape, seed) < tf.cast(probability, tf.float32)
