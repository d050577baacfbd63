"""How much noise? `kn.tuning.sweep` on the demo's digits task: full sweep vs successive halving.

For each seed: the demo's split (300 training digits), a validation split carved from the
training examples, scored clean and under Gaussian noise (`keras_noise.demo.tuning_step`). The
input Jitter's sigma of the demo's `recommended` model (FGSM off) is swept over a grid, once
with every value trained for all epochs and once by successive halving; the script prints both
results, whether halving's pick is within one grid step of the full sweep's best, and the share
of epochs it spent, and writes both sweep plots.

Run: python examples/strength_sweep.py [--quick] [--seeds 3] [--epochs 40] [--out DIR]
(40 epochs: the demo's sweeps at its default 80 epochs.)
"""

import argparse
import functools
import json
import math
import time
from pathlib import Path

import keras_noise as kn
from keras_noise.demo import tuning_step
from keras_noise.demo.data import load_digits_split
from keras_noise.demo.recipes import BATCH_SIZE, RECIPES, plain_pipeline


def compare(seed: int, epochs: int, out: Path) -> dict:
    split = load_digits_split(300, seed)
    (x_fit, y_fit), (x_val, y_val) = tuning_step.validation_split(split, seed)
    build = functools.partial(RECIPES["recommended"].build, seed, jitter=0.0, epsilon=0.0)
    arguments = {
        "values": tuning_step.JITTER_GRID,
        "layers": kn.layers.Jitter,
        "epochs": epochs,
        "seeds": (seed,),
        "fit_kwargs": {
            "steps_per_epoch": math.ceil(len(y_fit) / BATCH_SIZE),
            "validation_batch_size": 2 * len(y_val),
        },
        "verbose": 0,
    }
    train = plain_pipeline(x_fit, y_fit, seed).repeat()
    validation = tuning_step.scoring_data(x_val, y_val, seed)
    results, seconds = {}, {}
    for budget in ("full", "halving"):
        start = time.perf_counter()
        results[budget] = kn.tuning.sweep(build, train, validation, budget=budget, **arguments)
        seconds[budget] = time.perf_counter() - start
        results[budget].plot(out / f"sweep_{budget}_seed{seed}.png")
        print(f"\nseed {seed}, {budget} ({seconds[budget]:.0f} s)")
        print(results[budget].to_markdown())
    grid = list(tuning_step.JITTER_GRID)
    steps = abs(grid.index(results["halving"].best_value) - grid.index(results["full"].best_value))
    share = results["halving"].epochs_spent / results["full"].epochs_spent
    print(
        f"seed {seed}: full best {results['full'].best_value:g}, halving best "
        f"{results['halving'].best_value:g} ({steps} grid step(s) apart), halving spent "
        f"{results['halving'].epochs_spent} of {results['full'].epochs_spent} epochs ({share:.0%})"
    )
    return {
        "seed": seed,
        "full": results["full"].to_dict(),
        "halving": results["halving"].to_dict(),
        "grid_steps_apart": steps,
        "epoch_share": share,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 epochs, 1 seed")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="strength_sweep_output")
    args = parser.parse_args()
    seeds, epochs = (1, 3) if args.quick else (args.seeds, args.epochs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = [compare(seed, epochs, out) for seed in range(seeds)]
    (out / "comparison.json").write_text(json.dumps(runs, indent=2))
    within = sum(run["grid_steps_apart"] <= 1 for run in runs)
    print(
        f"\nHalving within one grid step of the full sweep's best: {within}/{len(runs)} seeds; "
        f"epochs spent: {max(run['epoch_share'] for run in runs):.0%} of a full sweep's at most."
    )


if __name__ == "__main__":
    main()
