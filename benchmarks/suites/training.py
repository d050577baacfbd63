"""GradientNoise's train step against its inner optimizer's, and NoiseScheduler's per-step cost.

All on the small CNN of `benchmarks/models.py` (Conv32-Conv64-Flatten-Dense10, 32x32x3, batch
128). Both costs are also measured directly, which holds steadier on a shared machine than the
ratio of two full steps: the noise draw alone against an SGD step, and the scheduler's per-step
work against a train step (its target). The scheduler is also timed end to end (`fit` with and
without it, through a `tf.data` pipeline, with a schedule whose value changes at every step so
that no assignment is skipped), for information.
"""

from __future__ import annotations

import keras
import tensorflow as tf

import keras_noise as kn
from benchmarks.harness import Candidate, Group, Target
from benchmarks.models import BATCH, fixed_batch, small_cnn, train_step_candidate


def _noise_draw_candidate(steps: int, batch: int) -> Candidate:
    """The noise GradientNoise adds per step on the CNN's variables, alone, in a tf.function."""
    model = small_cnn()
    optimizer = kn.optimizers.GradientNoise(keras.optimizers.SGD(0.01), eta=0.01, seed=0)
    optimizer.build(model.trainable_variables)
    grads = [tf.zeros(v.shape) for v in model.trainable_variables]
    draw = tf.function(optimizer.add_noise)

    def run():
        for _ in range(steps):
            noisy = draw(grads)
        noisy[0].numpy()

    return Candidate("noise draw alone", run, items=steps * batch)


def _sgd():
    return keras.optimizers.SGD(0.01)


def _adam():
    return keras.optimizers.Adam(1e-3)


def _noisy(inner):
    return lambda: kn.optimizers.GradientNoise(inner(), eta=0.01, seed=0)


def _optimizer_group(name: str, inner, *, steps: int, batch: int, draw: bool = False) -> Group:
    """GradientNoise(inner) against inner alone: a small group, so the pair runs back to back.

    With `draw`, the noise draw alone is timed too: its ratio to the inner step is the overhead
    measured directly, which holds steadier than the ratio of two full steps on a busy machine.
    """
    common = {"steps": steps, "batch": batch}
    subject = f"GradientNoise({name})"
    extra, targets = [], []
    if draw:
        extra = [_noise_draw_candidate(steps, batch)]
        targets = [
            Target("noise draw alone", name, 0.05, f"noise draw alone <= 5% of a {name} step")
        ]
    return Group(
        name=f"train step, small CNN, batch {batch}, {name}",
        unit="examples",
        candidates=[
            train_step_candidate(subject, small_cnn, optimizer=_noisy(inner), **common),
            train_step_candidate(name, small_cnn, optimizer=inner, **common),
            *extra,
        ],
        targets=[Target(subject, name, 1.05, f"{subject} step <= 1.05x {name}"), *targets],
    )


def _xla_group(steps: int, batch: int) -> Group:
    """For information: under XLA on CPU the draw runs in one thread (no target in the issue)."""
    common = {"steps": steps, "batch": batch, "jit_compile": True}
    return Group(
        name=f"train step, small CNN, batch {batch}, XLA",
        unit="examples",
        candidates=[
            train_step_candidate(
                "GradientNoise(SGD) XLA", small_cnn, optimizer=_noisy(_sgd), **common
            ),
            train_step_candidate("SGD XLA", small_cnn, optimizer=_sgd, **common),
        ],
    )


def _fit_candidate(label: str, callback_factory, *, steps: int, batch: int) -> Candidate:
    """Times one `fit` epoch of `steps` steps of the CNN with a Jitter after the convolutions."""
    x, y = fixed_batch(batch)
    dataset = tf.data.Dataset.from_tensors((x, y)).repeat(steps)
    model = small_cnn(kn.layers.Jitter(stddev=0.0, name="jitter", seed=0))
    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    callbacks = [] if callback_factory is None else [callback_factory()]

    def run():
        model.fit(dataset, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)

    return Candidate(label, run, items=steps)


def _changing_schedule(t):
    # A new value at every step: the worst case, no assignment is skipped.
    return 0.05 + 0.05 * ((t % 97) / 97)


def _assignment_group(steps: int, batch: int) -> Group:
    """The scheduler's per-step work (evaluate, validate, assign) against a train step.

    The ratio `assignment / train step` is the fraction the callback adds to step time; it is
    measured directly, since on a shared machine a 2% difference between two `fit` runs is
    below the run-to-run noise.
    """
    step = train_step_candidate(
        "train step",
        lambda: small_cnn(kn.layers.Jitter(0.0, name="jitter")),
        steps=steps,
        batch=batch,
    )
    step.items = steps
    model = small_cnn(kn.layers.Jitter(0.0, name="jitter"))
    model.compile(keras.optimizers.SGD(0.01), "mse")
    callback = kn.callbacks.NoiseScheduler(_changing_schedule, per="step")
    callback.set_model(model)
    callback.on_train_begin()

    def assign():
        for batch_index in range(steps):
            callback.on_train_batch_begin(batch_index)

    return Group(
        name=f"NoiseScheduler per-step assignment vs train step, small CNN, batch {batch}",
        unit="steps",
        candidates=[Candidate("per-step assignment", assign, items=steps), step],
        targets=[
            Target(
                "per-step assignment",
                "train step",
                0.02,
                "per-step assignment adds <= 2% to step time",
            )
        ],
    )


def _scheduler_group(steps: int, batch: int) -> Group:
    """End to end: `fit` with the callback against `fit` without (noisy on shared machines)."""

    def per_step():
        return kn.callbacks.NoiseScheduler(_changing_schedule, per="step")

    def per_epoch():
        return kn.callbacks.NoiseScheduler(kn.schedules.Constant(0.05))

    common = {"steps": steps, "batch": batch}
    return Group(
        name=f"fit epoch of {steps} steps, small CNN + Jitter, batch {batch}",
        unit="steps",
        candidates=[
            _fit_candidate("fit + NoiseScheduler per step", per_step, **common),
            _fit_candidate("fit, no callback", None, **common),
            _fit_candidate("fit + NoiseScheduler per epoch", per_epoch, **common),
        ],
    )


def groups(quick: bool) -> list[Group]:
    steps, batch, fit_steps = (2, 16, 3) if quick else (4, BATCH, 10)
    return [
        _optimizer_group("SGD", _sgd, steps=steps, batch=batch, draw=True),
        _optimizer_group("Adam", _adam, steps=steps, batch=batch),
        _xla_group(steps, batch),
        _assignment_group(steps=steps, batch=batch),
        _scheduler_group(steps=fit_steps, batch=batch),
    ]
