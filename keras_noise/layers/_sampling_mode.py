"""Monte-Carlo sampling mode: in-model noise stays on while the rest of a model is in inference.

`model(x, training=True)` is the usual way to sample a dropout network at test time, but it also
puts BatchNormalization (and any other training-aware layer) into training mode. Inside
`sampling_mode()`, noise layers whose class sets `mc_sampling = True` apply their noise whatever
`training` they receive, so the model can be called with `training=False`.

The flag is per thread (like Keras' own call context) and is read when a layer's `call` runs: in
eager calls, and while a `tf.function` is being traced. A function traced inside the context keeps
its noise; one traced outside does not. The public entry point is
`keras_noise.uncertainty.sampling_mode`, which also switches plain Keras dropout layers.
"""

from __future__ import annotations

import contextlib
import threading

_STATE = threading.local()


def active_samples() -> int | None:
    """The number of Monte-Carlo samples stacked on the batch axis, or None outside the context.

    Inside the context, the batch of every call is `samples` blocks of equal size, sample-major
    (sample 0's examples, then sample 1's...). Layers whose noise is drawn once per call (weight
    noise, DropConnect) use it to draw independent noise for each block.
    """
    return getattr(_STATE, "samples", None)


@contextlib.contextmanager
def activate(samples: int = 1):
    """Turns sampling mode on for the current thread (nestable; the innermost value wins)."""
    previous = active_samples()
    _STATE.samples = int(samples)
    try:
        yield
    finally:
        _STATE.samples = previous
