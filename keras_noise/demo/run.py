"""Runs the demo: trains every recipe over seeds, evaluates, prints and writes the report."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np


class DemoError(Exception):
    """A demo option or folder the user can fix."""


NOISE_LEVELS = (0.1, 0.2, 0.3)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the demo's options to `parser`."""
    parser.add_argument("--out", default="demo_output", help="folder for report.md/results.json")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per recipe")
    parser.add_argument("--train-size", type=int, default=300, help="training examples")
    parser.add_argument("--epochs", type=int, default=60, help="training epochs")
    parser.add_argument("--recipes", nargs="+", help="recipes to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="a few epochs, one seed (smoke run)")


def _check(args: argparse.Namespace, known: list[str], available: int) -> list[str]:
    recipes = args.recipes or known
    unknown = [name for name in recipes if name not in known]
    if unknown:
        raise DemoError(f"unknown recipe(s) {unknown}; known recipes: {known}")
    if args.seeds < 1:
        raise DemoError(f"--seeds must be >= 1. Received: --seeds={args.seeds}")
    if args.epochs < 1:
        raise DemoError(f"--epochs must be >= 1. Received: --epochs={args.epochs}")
    if not 10 <= args.train_size <= available - 100:
        raise DemoError(
            f"--train-size must be in [10, {available - 100}] (the digits data has {available} "
            "examples and the test set keeps at least 100). "
            f"Received: --train-size={args.train_size}"
        )
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise DemoError(f"cannot write to the output folder {str(out)!r}: {error}") from None
    return recipes


def _accuracy(model, x, y) -> float:
    predictions = np.asarray(model.predict(x, verbose=0, batch_size=512))
    return float(np.mean(predictions.argmax(axis=-1) == y))


def _evaluate(model, split, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    scores = {"clean": _accuracy(model, split.x_test, split.y_test)}
    for sigma in NOISE_LEVELS:
        noisy = np.clip(split.x_test + rng.normal(0, sigma, split.x_test.shape), 0, 1)
        scores[f"gaussian_{sigma}"] = _accuracy(model, noisy.astype("float32"), split.y_test)
    return scores


def main(args: argparse.Namespace) -> int:
    """Runs the demo with parsed arguments; returns the exit status."""
    import keras

    from keras_noise.demo.data import available_examples, load_digits_split
    from keras_noise.demo.recipes import RECIPES

    recipes = _check(args, list(RECIPES), available_examples())
    seeds = 1 if args.quick else args.seeds
    epochs = 3 if args.quick else args.epochs
    results: dict[str, list[dict[str, float]]] = {name: [] for name in recipes}
    started = time.perf_counter()
    for seed in range(seeds):
        split = load_digits_split(args.train_size, seed)
        for name in recipes:
            print(f"[demo] recipe {name!r}, seed {seed + 1}/{seeds}, {epochs} epochs", flush=True)
            keras.utils.set_random_seed(seed)
            model = RECIPES[name](seed)
            model.fit(
                split.x_train,
                split.y_train,
                epochs=epochs,
                batch_size=32,
                verbose=0,
                callbacks=[keras.callbacks.ProgbarLogger()],
            )
            results[name].append(_evaluate(model, split, seed))
    table = _table(results)
    print(table)
    out = Path(args.out)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    (out / "report.md").write_text(
        f"# keras-noise demo\n\n{seeds} seed(s), {epochs} epochs, {args.train_size} training "
        f"examples, {time.perf_counter() - started:.0f} s.\n\n{table}\n"
    )
    print(f"Report written to {out / 'report.md'}")
    return 0


def _table(results: dict[str, list[dict[str, float]]]) -> str:
    metrics = list(next(iter(results.values()))[0])
    lines = ["| recipe | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for name, runs in results.items():
        cells = []
        for metric in metrics:
            values = [100 * run[metric] for run in runs]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.1f} ± {spread:.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
