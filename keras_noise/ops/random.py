"""Random draws for every noise in the package: atomic per-call seeds and Philox stateless ops.

Two problems of Keras' own random layers are solved here, once, for every component:

* **Repeated noise under parallel `tf.data` maps.** `keras.random.SeedGenerator.next()` reads its
  state and then assigns the incremented state in a separate op; two parallel map calls can read the
  same state and draw the same noise. `NoiseSeedGenerator` reads and advances its state in one
  atomic kernel (`RngReadAndSkip`, the op behind `tf.random.Generator`), so every call gets its own
  seed, in `tf.data`, eager, `tf.function` and XLA alike.
* **Slow draws under XLA on CPU.** Stateless random ops default to the `auto_select` algorithm,
  which XLA lowers to a slow generator on CPU, and even Philox compiles to a loop that XLA cannot
  fuse with the arithmetic around it. Outside XLA every draw names Philox explicitly; under XLA,
  float and bit draws come from a counter-based hash of each element's index
  (`keras_noise.ops.counter_hash`), which XLA fuses into the op that consumes the noise. Integer
  draws (a few box positions) stay on Philox. Dropout and activation noise on large activations
  use the hash outside XLA too, in a kernel of their own (`keras_noise.ops._fused`).

Draws are stateless functions of a seed tensor of shape `(2,)`; a layer asks its generator for one
seed per call and derives sub-seeds with `split_seed` when it needs several independent draws.
"""

from __future__ import annotations

import contextlib
import math
import threading
import zlib
from collections.abc import Iterator

import keras
import tensorflow as tf

from keras_noise._keras_compat import in_xla_context, xla_philox_key_counter
from keras_noise._validation import check_seed, invalid_type
from keras_noise.ops import counter_hash

_PHILOX = tf.random.Algorithm.PHILOX
_PHILOX_ALG_ID = 1  # RNG_ALG_PHILOX in TensorFlow's rng_alg.h; its state is int64[3].
_MAX_KEY = 2**31 - 1
_MASK64 = 2**64 - 1


@keras.saving.register_keras_serializable(package="keras_noise")
class NoiseSeedGenerator(keras.random.SeedGenerator):
    """A `keras.random.SeedGenerator` whose `next()` is atomic and safe in parallel `tf.data` maps.

    The state is an int64 variable `[counter_low, counter_high, key]`; `next()` returns the seed
    `[key, counter]` and advances the counter in the same kernel, so concurrent callers never share
    a seed. Under `tf.distribute` the replica id is folded into the seed, so replicas draw
    different noise for their different examples. Inside an `element_key_scope` (the keyed
    pipeline form, `keras_noise.data.map`), `next()` instead derives the seed from the element's
    key, the generator's `stream_id` and the draw's rank in the element, without touching the
    counter. Layers track it like any `SeedGenerator` (in `layer.variables`, not in
    `layer.weights`).

    Args:
        seed: an int >= 0 for reproducible draws, or None for a random starting key.
        name: the generator's name.
        owner: the name of the layer that owns the generator. With an int `seed`, the key is a
            hash of `(seed, owner)` (`derive_key`), so layers that share a seed draw independent
            noise, while the same seed and layer name reproduce the same noise in a fresh
            process. None: the key is `seed` itself.

    Examples:
        >>> gen = NoiseSeedGenerator(seed=7)
        >>> first, second = gen.next(), gen.next()
        >>> bool(tf.reduce_all(first == second))
        False
        >>> bool(tf.reduce_all(NoiseSeedGenerator(seed=7).next() == first))
        True
        >>> a = NoiseSeedGenerator(seed=7, owner="jitter").next()
        >>> b = NoiseSeedGenerator(seed=7, owner="cutout").next()
        >>> bool(tf.reduce_all(a == b))
        False
    """

    def __init__(self, seed: int | None = None, name: str | None = None, owner: str | None = None):
        # The parent creates a (2,)-shaped state that `RngReadAndSkip` cannot use, so the few
        # attributes it sets are set here instead.
        self.name = name or f"noise_seed_generator_{keras.backend.get_uid('noise_seed_generator')}"
        self.backend = keras.backend
        self._initial_seed = check_seed(seed)
        if owner is not None and not isinstance(owner, str):
            raise invalid_type("owner", "None or a layer name (str)", owner)
        self.owner = owner
        #: The generator's identity in keyed scopes: a function of the seed and owner (or name).
        self.stream_id = derive_key(self._initial_seed, owner or self.name)
        if self._initial_seed is None:
            key = int(tf.random.uniform((), 0, _MAX_KEY, dtype=tf.int64).numpy())
        elif owner is None:
            key = self._initial_seed
        else:
            key = self.stream_id

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
        """Returns a fresh int64 seed of shape `(2,)` (atomically advancing the state).

        Inside an `element_key_scope` the seed is keyed by the element instead, and the state
        is left as it is.
        """
        del ordered  # Every draw is ordered; the argument exists for Keras' signature.
        scope = _active_key_scope()
        if scope is not None:
            seed = scope.seed_for(self)
        else:
            state = tf.raw_ops.RngReadAndSkip(
                resource=_resource_handle(self.state), alg=_PHILOX_ALG_ID, delta=1
            )
            seed = tf.gather(state, [2, 0])  # [key, counter]: one op where a stack takes three
        replica_context = tf.distribute.get_replica_context()
        if replica_context is not None and replica_context.num_replicas_in_sync > 1:
            replica = tf.cast(replica_context.replica_id_in_sync_group, tf.int64)
            seed = tf.random.experimental.stateless_fold_in(seed, replica, alg=_PHILOX)
        return seed

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name, "owner": self.owner}


def _splitmix64(value: int) -> int:
    """SplitMix64's finalizer: a bijection of 64-bit words that spreads every input bit."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def derive_key(seed: int | None, label: str) -> int:
    """A generator key in `[0, 2**31)` from an int seed (or None) and a label (a layer's name).

    The label is hashed with CRC-32 (stable across processes and Python versions, unlike
    `hash()`), combined with the seed and mixed: two layers that share a seed get unrelated
    keys (equal with probability about 2**-31), and the same seed and label always give the same
    key.

    Examples:
        >>> derive_key(42, "jitter") == derive_key(42, "jitter")
        True
        >>> derive_key(42, "jitter") == derive_key(42, "cutout")
        False
    """
    high = 0 if seed is None else (seed + 1) & 0xFFFFFFFF
    low = zlib.crc32(label.encode("utf-8"))
    return _splitmix64((high << 32) | low) % _MAX_KEY


def fold_in(seed: tf.Tensor, data) -> tf.Tensor:
    """A seed of shape `(2,)` from `seed` and an int64 `data`: distinct data, distinct seeds.

    The first word is 64 Philox bits of `seed`, the second is `data` itself.

    Examples:
        >>> seed = tf.constant([1, 2], tf.int64)
        >>> bool(tf.reduce_all(fold_in(seed, 0) == fold_in(seed, 1)))
        False
    """
    word = tf.bitcast(uniform_bits((2,), seed), tf.int64)
    return tf.stack([word, tf.cast(data, tf.int64)])


class KeyScope:
    """The element key of one keyed `tf.data` element, and how many seeds each generator drew."""

    def __init__(self, key: tf.Tensor):
        self.key = tf.cast(key, tf.int64)
        self._draws: dict[int, int] = {}
        #: The generators that drew in this scope, in order of their first draw.
        self.generators: list[NoiseSeedGenerator] = []

    def seed_for(self, generator: NoiseSeedGenerator) -> tf.Tensor:
        """The seed of `generator`'s next draw for this element.

        The rank of the draw (0 for a generator's first `next()` in the element, 1 for its
        second...) is counted while the map function is traced, so it is the same in every run.
        """
        rank = self._draws.get(id(generator), 0)
        if not rank:
            self.generators.append(generator)
        self._draws[id(generator)] = rank + 1
        label = _splitmix64((generator.stream_id << 20) + rank) & (_MASK64 >> 1)
        return fold_in(self.key, tf.constant(label, tf.int64))


class _ScopeStack(threading.local):
    def __init__(self) -> None:
        self.scopes: list[KeyScope] = []


_SCOPES = _ScopeStack()


def _active_key_scope() -> KeyScope | None:
    return _SCOPES.scopes[-1] if _SCOPES.scopes else None


@contextlib.contextmanager
def element_key_scope(key: tf.Tensor) -> Iterator[KeyScope]:
    """Keys every `NoiseSeedGenerator.next()` by `key` (shape `(2,)`) while the scope is open.

    Used while a `tf.data` map function is traced (see `keras_noise.data.map`): each element's
    draws become a pure function of its key, the generator's `stream_id` and the draw's rank,
    so the noise no longer depends on which thread ran first. The counter-based state of the
    generators is neither read nor advanced.

    Examples:
        >>> gen = NoiseSeedGenerator(seed=1, owner="jitter")
        >>> with element_key_scope(tf.constant([5, 0], tf.int64)):
        ...     first, second = gen.next(), gen.next()
        >>> with element_key_scope(tf.constant([5, 0], tf.int64)):
        ...     again = gen.next()
        >>> bool(tf.reduce_all(first == again)), bool(tf.reduce_all(first == second))
        (True, False)
    """
    scope = KeyScope(key)
    _SCOPES.scopes.append(scope)
    try:
        yield scope
    finally:
        _SCOPES.scopes.pop()


def _resource_handle(variable: keras.Variable) -> tf.Tensor:
    """The resource handle behind a Keras variable (the local copy inside a replica context)."""
    return variable.value.handle


def split_seed(seed: tf.Tensor, num: int) -> list[tf.Tensor]:
    """Derives `num` independent seeds from one, for layers that need several draws per call.

    Examples:
        >>> a, b = split_seed(tf.constant([1, 2], tf.int64), 2)
        >>> bool(tf.reduce_all(a == b))
        False
    """
    seeds = tf.random.experimental.stateless_split(seed, num=num, alg=_PHILOX)
    return [seeds[i] for i in range(num)]


def normal(shape, seed: tf.Tensor, dtype=tf.float32) -> tf.Tensor:
    """Standard normal draws, in `dtype`.

    Outside XLA the draws are a vectorized Box-Muller transform of Philox uniforms, computed in
    float32: TensorFlow's CPU normal kernel transforms each draw with scalar log/sin/cos and
    costs about 1.5x as much per batch. Under XLA they are `counter_hash.normal` (the inverse
    normal CDF of a hashed word, interpolated in a table), which fuses into the surrounding
    arithmetic. Outside XLA they are Gaussian up to float32 rounding; under XLA, up to the
    table's interpolation (its tails stop at 4.31 standard deviations).

    Examples:
        >>> z = normal((1001, 3), tf.constant([1, 2], tf.int64))
        >>> z.shape, abs(float(tf.math.reduce_std(z)) - 1.0) < 0.05
        (TensorShape([1001, 3]), True)
    """
    if in_xla_context():
        return counter_hash.normal(shape, seed, dtype)
    shape = tf.convert_to_tensor(shape, dtype=tf.int32)
    size = tf.reduce_prod(shape)
    half = (size + 1) // 2
    draws = uniform(tf.stack([2, half]), seed)
    radius = tf.sqrt(-2.0 * tf.math.log1p(-draws[0]))  # 1 - u is in (0, 1]: log is finite
    angle = (2.0 * math.pi) * draws[1]
    values = tf.concat([radius * tf.cos(angle), radius * tf.sin(angle)], axis=0)[:size]
    return tf.cast(tf.reshape(values, shape), dtype)


def _key_counter(seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    # `tf.random.stateless_*(..., alg="philox")` scrambles the seed with about fifteen small ops,
    # which cost tens of microseconds each in a `tf.data` map; this kernel runs the same scramble
    # in one op (on CPU and GPU, where it yields Philox keys), so the draws are the same numbers.
    # Under XLA that kernel is lowered for XLA's own generator and the Philox draws that use its
    # output compile to a path ~150x slower on CPU: there the small ops are fused anyway.
    if in_xla_context():
        return xla_philox_key_counter(seed)
    return tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)


def stream_seed(seed: tf.Tensor, stream: int) -> tf.Tensor:
    """The seed of independent stream `stream` (>= 1) of `seed`; stream 0 is `seed` itself.

    Flips bit 47 + `stream` of the seed's first word (a generator's own keys stay below 2**31), a
    cheaper way than `split_seed` to draw several independent tensors from one call's seed.

    Examples:
        >>> seed = tf.constant([3, 4], tf.int64)
        >>> bool(tf.reduce_all(uniform((4,), seed) == uniform((4,), stream_seed(seed, 1))))
        False
    """
    if not stream:
        return seed
    return tf.bitwise.bitwise_xor(tf.cast(seed, tf.int64), tf.constant([1 << (47 + stream), 0]))


def uniform(shape, seed: tf.Tensor, dtype=tf.float32, minval=0.0, maxval=1.0) -> tf.Tensor:
    """Uniform draws in `[minval, maxval)`; integer dtypes draw unbiased integers (Philox).

    Float draws are Philox outside XLA and `counter_hash.uniform` under XLA.

    Examples:
        >>> x = uniform((1000,), tf.constant([1, 2], tf.int64))
        >>> bool(tf.reduce_min(x) >= 0.0) and bool(tf.reduce_max(x) < 1.0)
        True
    """
    dtype = tf.as_dtype(dtype)
    if in_xla_context() and dtype.is_floating:
        draws = counter_hash.uniform(shape, seed, dtype)
        return _scale(draws, dtype, minval, maxval)
    key, counter = _key_counter(seed)
    if dtype.is_integer:
        return tf.raw_ops.StatelessRandomUniformIntV2(
            shape=shape,
            key=key,
            counter=counter,
            alg=_PHILOX_ALG_ID,
            minval=tf.cast(minval, dtype),
            maxval=tf.cast(maxval, dtype),
        )
    draws = tf.raw_ops.StatelessRandomUniformV2(
        shape=shape, key=key, counter=counter, alg=_PHILOX_ALG_ID, dtype=dtype
    )
    return _scale(draws, dtype, minval, maxval)


def _scale(draws: tf.Tensor, dtype, minval, maxval) -> tf.Tensor:
    if isinstance(minval, float) and isinstance(maxval, float) and (minval, maxval) == (0.0, 1.0):
        return draws
    return draws * tf.cast(maxval - minval, dtype) + tf.cast(minval, dtype)


def uniform_bits(shape, seed: tf.Tensor) -> tf.Tensor:
    """Uniformly random uint32 words: 32 random bits each (Philox; `counter_hash.bits` under XLA).

    Examples:
        >>> uniform_bits((3,), tf.constant([1, 2], tf.int64)).dtype
        tf.uint32
    """
    if in_xla_context():
        return counter_hash.bits(shape, seed)
    key, counter = _key_counter(seed)
    return tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=shape, key=key, counter=counter, alg=_PHILOX_ALG_ID, dtype=tf.uint32
    )


def shared_noise_shape(x: tf.Tensor, shared_axes) -> tf.Tensor | None:
    """The noise shape of `x` with size 1 on `shared_axes` (one draw shared along them).

    Examples:
        >>> shared_noise_shape(tf.zeros((2, 3, 4)), (-1,)).numpy().tolist()
        [2, 3, 1]
    """
    if not shared_axes:
        return None
    rank = len(x.shape)
    shared = {axis % rank for axis in shared_axes}
    shape = tf.shape(x)
    return tf.stack([1 if i in shared else shape[i] for i in range(rank)])


def bernoulli(shape, probability, seed: tf.Tensor) -> tf.Tensor:
    """Boolean draws that are True with `probability` (a float or float32 tensor, broadcastable).

    Examples:
        >>> bool(tf.reduce_any(bernoulli((100,), 0.0, tf.constant([1, 2], tf.int64))))
        False
    """
    return uniform(shape, seed) < tf.cast(probability, tf.float32)


def gamma(shape, alpha, seed: tf.Tensor) -> tf.Tensor:
    """Float32 Gamma(alpha, 1) draws (Philox, TensorFlow's kernel; not available under XLA).

    Args:
        shape: the shape of the draws.
        alpha: the shape parameter, a float32 scalar or a tensor broadcastable to `shape`, > 0.
        seed: a seed tensor of shape `(2,)`.

    Examples:
        >>> g = gamma((20000,), 3.0, tf.constant([1, 2], tf.int64))
        >>> abs(float(tf.reduce_mean(g)) - 3.0) < 0.1
        True
    """
    key, counter = _key_counter(seed)
    return tf.raw_ops.StatelessRandomGammaV3(
        shape=shape,
        key=key,
        counter=counter,
        alg=_PHILOX_ALG_ID,
        alpha=tf.cast(alpha, tf.float32),
    )
