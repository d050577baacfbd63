"""AdversarialModel train steps (FGSM, PGD-k) against a plain train step of the same small CNN.

The targets assume the whole batch is attacked (``ratio=1.0``): FGSM adds one forward/backward
pass to the step, PGD-k adds k. The default ``ratio=0.5`` crafts only half of the batch and is
shown alongside, without a target.
"""

from __future__ import annotations

from benchmarks.harness import Group, Target
from benchmarks.models import BATCH, small_cnn, train_step_candidate
from keras_noise.adversarial import AdversarialModel

EPSILON = 8 / 255


def _adversarial(method: str, *, ratio: float, steps: int = 7):
    def build():
        return AdversarialModel(
            small_cnn(), method=method, epsilon=EPSILON, ratio=ratio, steps=steps, seed=0
        )

    return build


def _fgsm_group(steps: int, batch: int) -> Group:
    common = {"steps": steps, "batch": batch}
    return Group(
        name=f"FGSM adversarial train step, small CNN, batch {batch}",
        unit="examples",
        candidates=[
            train_step_candidate("FGSM ratio=1.0", _adversarial("fgsm", ratio=1.0), **common),
            train_step_candidate("FGSM ratio=0.5", _adversarial("fgsm", ratio=0.5), **common),
            train_step_candidate("plain step", small_cnn, **common),
        ],
        targets=[
            Target("FGSM ratio=1.0", "plain step", 2.2, "FGSM step <= 2.2x plain step"),
        ],
    )


def _pgd_group(k: int, steps: int, batch: int) -> Group:
    common = {"steps": steps, "batch": batch}
    label = f"PGD-{k} ratio=1.0"
    bound = k + 1.2
    return Group(
        name=f"PGD-{k} adversarial train step, small CNN, batch {batch}",
        unit="examples",
        candidates=[
            train_step_candidate(label, _adversarial("pgd", ratio=1.0, steps=k), **common),
            train_step_candidate("plain step", small_cnn, **common),
        ],
        targets=[Target(label, "plain step", bound, f"PGD-{k} step <= {bound:g}x plain step")],
    )


def groups(quick: bool) -> list[Group]:
    if quick:
        return [_fgsm_group(steps=2, batch=16), _pgd_group(3, steps=2, batch=16)]
    return [
        _fgsm_group(steps=5, batch=BATCH),
        _pgd_group(3, steps=3, batch=BATCH),
        _pgd_group(7, steps=2, batch=BATCH),
    ]
