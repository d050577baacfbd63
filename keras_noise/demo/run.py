"""Runs the demo: trains every recipe over seeds, evaluates robustness, reports and exports."""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

DEMO_EPSILON = 0.1  # the FGSM epsilon the adversarial recipes train at, and the one judged
EXPORT_DIR = Path("saved_models") / "demo_recommended"


class DemoError(Exception):
    """A demo option or folder the user can fix."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the demo's options to `parser`."""
    parser.add_argument("--out", default="demo_output", help="folder for the report, JSON, plot")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per recipe (default 3)")
    parser.add_argument("--train-size", type=int, default=300, help="training examples")
    parser.add_argument("--epochs", type=int, default=80, help="training epochs (default 80)")
    parser.add_argument("--recipes", nargs="+", metavar="NAME", help="recipes (default: all)")
    parser.add_argument(
        "--export-dir",
        default=str(EXPORT_DIR),
        help="where the recommended model is exported noise-free ('' to skip)",
    )
    parser.add_argument("--quick", action="store_true", help="3 epochs, 1 seed: a smoke run")
    from keras_noise.demo.tasks import command

    command.add_arguments(parser)  # --task; the options above that are image-only are checked


def _check(args: argparse.Namespace, known: Sequence[str], available: int) -> list[str]:
    recipes = list(args.recipes or known)
    unknown = [name for name in recipes if name not in known]
    if unknown:
        raise DemoError(f"unknown recipe(s) {unknown}; known recipes: {list(known)}")
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
    for folder in filter(None, (args.out, args.export_dir and str(Path(args.export_dir).parent))):
        _check_writable(Path(folder))
    return recipes


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".keras-noise-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise DemoError(f"cannot write to the output folder {str(folder)!r}: {error}") from None


def _judge(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> list[str]:
    """The claims the demo is built to show, each stated with the measured numbers."""
    lines = []

    def mean(recipe, column):
        return table[recipe][column]["mean"]

    if "baseline" in table and "recommended" in table:
        clean = mean("recommended", "clean") - mean("baseline", "clean")
        noisy = mean("recommended", "jitter σ=0.3") - mean("baseline", "jitter σ=0.3")
        lines.append(
            f"recommended vs baseline: {clean:+.1f} points clean, {noisy:+.1f} points at "
            f"Gaussian σ=0.3 (target: > 0 and >= +8): "
            + ("met" if clean > 0 and noisy >= 8 else "NOT met")
        )
    column = f"FGSM ε={DEMO_EPSILON:g}"
    if "baseline" in table and "fgsm_adversarial" in table:
        gain = mean("fgsm_adversarial", column) - mean("baseline", column)
        lines.append(
            f"FGSM adversarial training vs baseline at ε={DEMO_EPSILON:g}: {gain:+.1f} points "
            "(target: >= +25): " + ("met" if gain >= 25 else "NOT met")
        )
        pgd = mean("fgsm_adversarial", "PGD∞ ε=0.1") - mean("baseline", "PGD∞ ε=0.1")
        lines.append(
            f"... and against PGD-L∞ (10 steps, 2 restarts) at ε={DEMO_EPSILON:g}: {pgd:+.1f} "
            "points (the gain is not only FGSM gradient masking if > 0): "
            + ("met" if pgd > 0 else "NOT met")
        )
    if "baseline" in table and "label_smoothing" in table:
        ece = mean("label_smoothing", "ECE clean") - mean("baseline", "ECE clean")
        lines.append(
            f"label smoothing vs baseline, clean ECE: {ece:+.1f} points "
            + ("(better calibrated)" if ece < 0 else "(NOT better calibrated)")
        )
    return lines


def main(args: argparse.Namespace) -> int:
    """Runs the demo task(s) chosen by `--task` (default image); returns the exit status."""
    from keras_noise.demo.tasks import command

    return command.main(args, run_image=run_image)


def run_image(args: argparse.Namespace) -> int:
    """Runs the image demo (digits) with parsed arguments into `args.out`; returns the status."""
    import keras

    import keras_noise as kn
    from keras_noise.demo import evaluation, report, tuning_step
    from keras_noise.demo.data import available_examples, load_digits_split
    from keras_noise.demo.recipes import BATCH_SIZE, NUM_CLASSES, RECIPES, RECOMMENDED

    recipes = _check(args, list(RECIPES), available_examples())
    seeds = 1 if args.quick else args.seeds
    epochs = 3 if args.quick else args.epochs
    runs = {name: [] for name in recipes}
    tuned = {}
    exported_model = None
    evaluator = evaluation.Evaluator()
    started = time.perf_counter()
    total = seeds * len(recipes)
    print(
        f"[demo] {len(recipes)} recipes x {seeds} seed(s), {epochs} epochs, "
        f"{args.train_size} training digits",
        flush=True,
    )
    for seed in range(seeds):
        split = load_digits_split(args.train_size, seed)
        for name in recipes:
            recipe = RECIPES[name]
            index = seed * len(recipes) + recipes.index(name) + 1
            if name == RECOMMENDED:  # strengths picked on a validation split of the training set
                recipe, tuned[seed] = tuning_step.tune(recipe, split, seed, epochs=epochs)
                print(f"[demo tuning] seed {seed}: {tuned[seed].summary()}", flush=True)
            run_start = time.perf_counter()
            keras.utils.set_random_seed(seed)
            model = recipe.build(seed)
            labels = split.y_train
            if model.loss == "categorical_crossentropy":
                labels = keras.utils.to_categorical(split.y_train, NUM_CLASSES)
            progress = keras.utils.Progbar(epochs, unit_name="epoch", verbose=1)
            progress_callback = keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs, bar=progress: bar.update(
                    epoch + 1, values=[("loss", logs["loss"])]
                )
            )
            print(f"[demo {index}/{total}] {name}, seed {seed}", flush=True)
            # One iterator for all epochs: tf.data sets up (and optimizes) every new iterator,
            # which `fit` would otherwise do once per epoch.
            model.fit(
                recipe.pipeline(split.x_train, labels, seed).repeat(),
                steps_per_epoch=math.ceil(len(labels) / BATCH_SIZE),
                epochs=epochs,
                verbose=0,
                callbacks=[*recipe.callbacks(epochs), progress_callback],
            )
            inner = getattr(model, "model", model)  # an AdversarialModel wraps its network
            inner.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            result = evaluator.evaluate(name, inner, split.x_test, split.y_test, seed=seed)
            runs[name].append(result)
            print(
                f"[demo {index}/{total}] {name}, seed {seed}: clean {100 * result.clean:.1f}%, "
                f"σ=0.3 {100 * result['jitter'][0.3]:.1f}%, "
                f"FGSM ε={DEMO_EPSILON:g} {100 * result['fgsm'][DEMO_EPSILON]:.1f}% "
                f"({time.perf_counter() - run_start:.1f} s)",
                flush=True,
            )
            if name == RECOMMENDED and seed == 0:
                exported_model = inner

    table = report.summary(runs)
    checks = _judge(table) + [f"{RECOMMENDED}, seed {s}: {t.summary()}" for s, t in tuned.items()]
    print("\n" + report.markdown_table(table) + "\n")
    for line in checks:
        print(line)
    settings = {
        "seeds": seeds,
        "epochs": epochs,
        "train_size": args.train_size,
        "test_size": int(len(split.y_test)),
        "evaluation": evaluation.settings(),
        "seconds": time.perf_counter() - started,
        "tuned": {seed: {"jitter": t.jitter, "epsilon": t.epsilon} for seed, t in tuned.items()},
    }
    out = Path(args.out)
    paths = report.write(
        out,
        runs,
        settings=settings,
        descriptions={name: RECIPES[name].description for name in recipes},
        checks=checks,
        calibrations=evaluator.calibrations(),
    )
    print(f"\nWrote {paths['report']}, {paths['json']} and {paths['plot']}")
    if tuned:
        print("Wrote " + ", ".join(map(str, tuning_step.write(out, tuned))))
    if exported_model is not None and args.export_dir:
        export = kn.export.export_noise_free(exported_model, args.export_dir, overwrite=True)
        print(f"Exported the recommended model noise-free to {args.export_dir}: {export.summary()}")
    print(f"[demo] done in {time.perf_counter() - started:.0f} s")
    return 0
