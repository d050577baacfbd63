"""`keras-noise demo --task ...`: the task option, its checks, and running the chosen task(s).

Every check runs before any training, so a bad option, an unknown recipe or a missing dataset
package ends the command at once with a message (the CLI prints it; exit status 2).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

from keras_noise.demo.datasets import MissingDataPackageError, package_dir
from keras_noise.demo.datasets.base import EXTRA_HINT
from keras_noise.demo.run import DemoError, _check_writable
from keras_noise.demo.tasks import TASK_MODULES, TASK_NAMES, load_task

ALL = "all"
# The image task's own options (dest: flag); other tasks have fixed, measured settings.
IMAGE_ONLY = {"train_size": "--train-size", "epochs": "--epochs", "export_dir": "--export-dir"}
#: What every task needs (import name, pip name): scikit-learn for the stratified splits (and the
#: image task's digits), matplotlib for the report's plots. Both come with the `demo` extra.
COMMON_PACKAGES = (("sklearn", "scikit-learn"), ("matplotlib", "matplotlib"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds `--task` to the demo's parser; call after the image demo's options are added."""
    parser.add_argument(
        "--task",
        default="image",
        metavar="TASK",
        help=f"the data type: {', '.join(TASK_NAMES)} or {ALL} (default image); "
        "output goes to <out>/<task>/",
    )
    parser.set_defaults(image_only_defaults={dest: parser.get_default(dest) for dest in IMAGE_ONLY})


def _image_recipes() -> list[str]:
    from keras_noise.demo.recipes import RECIPES

    return list(RECIPES)


def _recipe_owner(name: str) -> str | None:
    """The first task that has a recipe called `name`, or None."""
    if name in _image_recipes():
        return "image"
    for task in TASK_MODULES:
        if name in load_task(task).recipe_names:
            return task
    return None


def _check_recipes(task: str, recipes: list[str] | None) -> None:
    if not recipes:
        return
    if task == ALL:
        raise DemoError(
            "--recipes names recipes of one task; use it with a single --task, not --task all. "
            f"Received: --recipes {' '.join(recipes)}"
        )
    known = _image_recipes() if task == "image" else load_task(task).recipe_names
    for name in recipes:
        if name in known:
            continue
        owner = _recipe_owner(name)
        if task == "image" and owner is None:
            continue  # the image demo reports its unknown recipes itself
        where = f"it is a recipe of --task {owner}" if owner else "no task has it"
        raise DemoError(
            f"unknown recipe {name!r} for --task {task} ({where}); known recipes of {task}: {known}"
        )


def _check(args: argparse.Namespace) -> list[str]:
    """Validates the options; returns the tasks to run, in order."""
    if args.task not in (*TASK_NAMES, ALL):
        raise DemoError(
            f"unknown task {args.task!r}; known tasks: {', '.join(TASK_NAMES)}, {ALL}. "
            f"Received: --task {args.task}"
        )
    tasks = list(TASK_NAMES) if args.task == ALL else [args.task]
    if args.seeds < 1:
        raise DemoError(f"--seeds must be >= 1. Received: --seeds={args.seeds}")
    if args.task not in ("image", ALL):
        defaults = getattr(args, "image_only_defaults", {})
        given = [
            f"{flag}={getattr(args, dest)}"
            for dest, flag in IMAGE_ONLY.items()
            if dest in defaults and getattr(args, dest) != defaults[dest]
        ]
        if given:
            raise DemoError(
                f"{', '.join(flag for flag in IMAGE_ONLY.values())} apply to --task image only; "
                f"--task {args.task} has its own settings. Received: {' '.join(given)}"
            )
    _check_recipes(args.task, args.recipes)
    for name in tasks:
        for module, pip_name in COMMON_PACKAGES:
            if importlib.util.find_spec(module) is None:
                raise DemoError(
                    f"--task {name} needs the `{pip_name}` package, which is not installed; "
                    f"install the demo extra: {EXTRA_HINT} (or pip install {pip_name})"
                )
        if name != "image":
            for module, pip_name in load_task(name).packages:
                try:
                    package_dir(module, pip_name=pip_name)
                except MissingDataPackageError as error:
                    raise DemoError(f"--task {name}: {error}") from None
        _check_writable(Path(args.out) / name)
    return tasks


def _command(args: argparse.Namespace, task: str) -> str:
    parts = ["keras-noise demo", f"--task {task}"]
    if args.quick:
        parts.append("--quick")
    elif args.seeds != 3:
        parts.append(f"--seeds {args.seeds}")
    if args.recipes:
        parts.append("--recipes " + " ".join(args.recipes))
    return " ".join(parts)


def run_task(name: str, args: argparse.Namespace) -> dict[str, Path]:
    """Runs one non-image task with the parsed options; returns the paths it wrote."""
    from keras_noise.demo.tasks import report, runner

    task = load_task(name)
    try:
        results, settings = runner.run_task(
            task, seeds=1 if args.quick else args.seeds, quick=args.quick, recipes=args.recipes
        )
    except MissingDataPackageError as error:
        raise DemoError(f"--task {name}: {error}") from None
    paths = report.write(
        Path(args.out) / name, task, results, settings=settings, command=_command(args, name)
    )
    print(f"[{name}] wrote {paths['report']}, {paths['json']} and {len(paths['plots'])} plot(s)")
    return paths


def main(args: argparse.Namespace, *, run_image: Callable[[argparse.Namespace], int]) -> int:
    """Runs the task(s) chosen by `--task`; `run_image` runs the image demo into `args.out`."""
    tasks = _check(args)
    started = time.perf_counter()
    for name in tasks:
        if name == "image":
            image_args = copy.copy(args)
            image_args.out = str(Path(args.out) / "image")
            status = run_image(image_args)
            if status:
                return status
        else:
            run_task(name, args)
    if len(tasks) > 1:
        print(f"[demo] {len(tasks)} tasks done in {time.perf_counter() - started:.0f} s")
    return 0
