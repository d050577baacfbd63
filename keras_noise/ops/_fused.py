"""Elementwise noise on activations as one fused kernel each way, with a recomputed gradient.

Outside XLA every TensorFlow op is its own pass over memory: dropout took a Philox draw, a
comparison, a cast, a scale and a multiply, and the backward pass multiplied by the stored mask
again. Here the same noise runs as one small XLA kernel (`tf.function(jit_compile=True)`): the
draws come from `counter_hash`, whose integer hash XLA fuses into the arithmetic, so a call is one
read and one write of the activations. The gradient recomputes the noise from the seed in the
same kernel instead of storing it. `python -m benchmarks.probes.fused_kernel_cost` times one call
on 6.4M activations: the fused dropout costs about what `x * 1.1` does, several times less than
the Philox draw alone.

Which draws, and where they run (`_placement`):

* inside an XLA computation (`jit_compile=True` models): the counter hash, inlined and fused
  there with the rest of the model;
* for an input whose dimensions other than the first (the batch) are static and hold at least
  `MIN_FUSED_SIZE` entries (one example's): the counter hash, in the compiled kernel when
  tracing a graph, uncompiled when eager (slower, but eager and compiled calls draw the same
  noise). XLA compiles the kernel once per shape and dtype (about 0.1-0.2 s, cached for the
  process), so a `fit` pays it for the full and the last partial batch; from 4,096 entries per
  example on, the per-step saving (about 4 ns an entry) repays it within a few hundred steps of
  batch 32;
* otherwise (small activations such as a `Dense` layer's, or dynamic non-batch dimensions such as
  padded text batches of any length, where compiling for every length would cost more than it
  saves): `keras_noise.ops.random`'s Philox draws with the ordinary gradient, a different but
  equally valid stream.

The noise strength is not differentiated: it is a schedule, not a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import tensorflow as tf

from keras_noise._keras_compat import in_xla_context
from keras_noise.ops import counter_hash, random

# (source, shape, strength, seed) -> float32 noise of `shape`. `source` is `counter_hash` or
# `random`: both have `uniform(shape, seed)` and `normal(shape, seed)`.
Noise = Callable[[ModuleType, tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]


def _multiply(x, noise: Noise, strength, seed, noise_shape, source=counter_hash):
    return x * tf.cast(noise(source, noise_shape, strength, seed), x.dtype)


def _add(x, noise: Noise, strength, seed, noise_shape, source=counter_hash):
    return x + tf.cast(noise(source, noise_shape, strength, seed), x.dtype)


# `noise` is a module-level function: a static argument, traced once per function and signature.
_COMPILED = {
    _multiply: tf.function(_multiply, jit_compile=True, autograph=False),
    _add: tf.function(_add, jit_compile=True, autograph=False),
}


# Entries per example from which the counter hash and compiled kernel are used (module docstring).
MIN_FUSED_SIZE = 1 << 12


def _placement(x: tf.Tensor) -> str:
    """Where the noise of `x` is computed: "inline", "compiled" or "philox" (module docstring)."""
    if in_xla_context():
        return "inline"
    if x.shape.rank is None or not x.shape[1:].is_fully_defined():
        return "philox"
    if x.shape[1:].num_elements() < MIN_FUSED_SIZE:
        return "philox"
    return "inline" if tf.executing_eagerly() else "compiled"


def _apply(kernel, x: tf.Tensor, noise: Noise, strength, seed: tf.Tensor, noise_shape):
    # Read a variable here, outside `tf.custom_gradient` (which must not see variables).
    strength = tf.cast(tf.convert_to_tensor(strength), tf.float32)
    noise_shape = tf.shape(x) if noise_shape is None else tf.cast(noise_shape, tf.int32)
    placement = _placement(x)
    if placement == "philox":
        return kernel(x, noise, strength, seed, noise_shape, random)
    run = _COMPILED[kernel] if placement == "compiled" else kernel

    @tf.custom_gradient
    def forward(value):
        def backward(upstream):
            if kernel is _add:
                return upstream
            return run(upstream, noise, strength, seed, noise_shape)

        return run(value, noise, strength, seed, noise_shape), backward

    return forward(x)


def multiply(x: tf.Tensor, noise: Noise, strength, seed: tf.Tensor, noise_shape=None) -> tf.Tensor:
    """`x * noise(...)`, the noise broadcast from `noise_shape` (default: `x`'s shape).

    The gradient with respect to `x` is the upstream gradient times the same noise.
    """
    return _apply(_multiply, x, noise, strength, seed, noise_shape)


def add(x: tf.Tensor, noise: Noise, strength, seed: tf.Tensor) -> tf.Tensor:
    """`x + noise(...)` drawn in `x`'s shape; the gradient with respect to `x` is the identity."""
    return _apply(_add, x, noise, strength, seed, None)
