"""The demo's tuning step: the `recommended` recipe's strengths, picked by `kn.tuning.sweep`.

For each seed, a stratified validation split is carved from that seed's training examples (the
test set is never seen). The score is validation accuracy on those images twice over: clean, and
under the Gaussian noise the demo's robustness target uses (sigma 0.3, clipped to [0, 1], drawn
once): the recipe is tuned to be good on both equally. Two successive-halving sweeps run, one
strength at a time: the input Jitter's sigma (FGSM off), then FGSM's epsilon (at that sigma),
each up to half the demo's epochs (to keep the demo's run time). The final model then trains
on all the training examples with the strengths picked.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path

import numpy as np

import keras_noise as kn
from keras_noise.demo.data import Split
from keras_noise.demo.recipes import BATCH_SIZE, Recipe, plain_pipeline

JITTER_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
EPSILON_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
VALIDATION_FRACTION = 0.25
VALIDATION_SIGMA = 0.3


@dataclasses.dataclass(frozen=True)
class Tuned:
    """The strengths picked for one seed, and the sweeps that picked them."""

    jitter: float
    epsilon: float
    sweeps: dict[str, kn.tuning.SweepResult]

    def summary(self) -> str:
        """The strengths picked and what the sweeps cost."""
        spent = sum(result.epochs_spent for result in self.sweeps.values())
        full = sum(result.epochs_full for result in self.sweeps.values())
        return (
            f"picked Jitter sigma={self.jitter:g}, FGSM epsilon={self.epsilon:g} by "
            f"kn.tuning.sweep (successive halving: {spent} epochs, {full} for full sweeps)"
        )


def validation_split(split: Split, seed: int):
    """`(x_fit, y_fit), (x_val, y_val)`: a stratified split of the training examples only."""
    from sklearn.model_selection import train_test_split

    x_fit, x_val, y_fit, y_val = train_test_split(
        split.x_train,
        split.y_train,
        test_size=VALIDATION_FRACTION,
        stratify=split.y_train,
        random_state=seed,
    )
    return (x_fit, y_fit), (x_val, y_val)


def scoring_data(x_val: np.ndarray, y_val: np.ndarray, seed: int):
    """The validation images clean and under Gaussian noise (sigma 0.3, clipped), with labels."""
    noise = kn.layers.Jitter(stddev=VALIDATION_SIGMA, value_range=(0, 1), seed=seed)
    noisy = np.asarray(noise(x_val, training=True))
    return np.concatenate([x_val, noisy]), np.concatenate([y_val, y_val])


def tune(recipe: Recipe, split: Split, seed: int, *, epochs: int, verbose: int = 1):
    """Picks the recipe's strengths for one seed; returns the recipe built with them.

    Args:
        recipe: the `recommended` recipe (its `build` takes `jitter=` and `epsilon=`).
        split: the seed's train/test split (only the training examples are used).
        seed: the seed.
        epochs: the demo's epochs; the sweeps' full runs are half as long (successive halving).
        verbose: passed to `kn.tuning.sweep`.

    Returns:
        `(recipe with its strengths set, Tuned)`.
    """
    (x_fit, y_fit), (x_val, y_val) = validation_split(split, seed)
    train = plain_pipeline(x_fit, y_fit, seed).repeat()
    options = {
        "steps_per_epoch": math.ceil(len(y_fit) / BATCH_SIZE),
        "validation_batch_size": 2 * len(y_val),
    }
    validation = scoring_data(x_val, y_val, seed)
    common = {
        "epochs": max(1, epochs // 2),
        "seeds": (seed,),
        "budget": "halving",
        "fit_kwargs": options,
    }
    by_jitter = kn.tuning.sweep(
        functools.partial(recipe.build, seed, jitter=0.0, epsilon=0.0),
        train,
        validation,
        values=JITTER_GRID,
        layers=kn.layers.Jitter,
        verbose=verbose,
        **common,
    )
    by_epsilon = kn.tuning.sweep(
        functools.partial(recipe.build, seed, jitter=by_jitter.best_value, epsilon=0.0),
        train,
        validation,
        values=EPSILON_GRID,
        layers=kn.adversarial.AdversarialModel,
        verbose=verbose,
        **common,
    )
    tuned = Tuned(
        by_jitter.best_value,
        by_epsilon.best_value,
        {"jitter": by_jitter, "epsilon": by_epsilon},
    )
    build = functools.partial(recipe.build, jitter=tuned.jitter, epsilon=tuned.epsilon)
    return dataclasses.replace(recipe, build=build), tuned


def write(out: Path, tuned_by_seed: dict[int, Tuned]) -> list[Path]:
    """Writes tuning.md (every sweep's table) and the first seed's sweep plots into `out`."""
    first = min(tuned_by_seed)
    paths = []
    for name, result in tuned_by_seed[first].sweeps.items():
        title = (
            f"Demo tuning, seed {first}: successive halving, {result.epochs_spent} of "
            f"{result.epochs_full} epochs"
        )
        paths.append(result.plot(out / f"sweep_{name}.png", title=title))
    lines = [
        "# keras-noise demo: tuning of the recommended recipe",
        "",
        f"Validation: {VALIDATION_FRACTION:.0%} of each seed's training examples (stratified), "
        f"scored clean and under Gaussian noise sigma={VALIDATION_SIGMA:g}.",
        "",
    ]
    for seed, tuned in tuned_by_seed.items():
        lines.append(f"## Seed {seed}: jitter={tuned.jitter:g}, epsilon={tuned.epsilon:g}")
        for result in tuned.sweeps.values():
            lines += ["", result.to_markdown(), ""]
    paths.append(out / "tuning.md")
    paths[-1].write_text("\n".join(lines))
    return paths
