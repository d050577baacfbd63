"""Peak memory of a 20-epoch Cutout -> batch -> MixUp pipeline, run in a fresh process.

`python -m benchmarks.peak_rss kn|keras|none [--epochs N] [--quick]` iterates the small-data
pipeline of the mixing suite (keras-noise's layers, Keras' RandomErasing and MixUp, or no
augmentation) for N epochs, a new iterator each, and prints the peak resident set size of the
epochs in MiB. Each variant runs in its own process so that one's allocations do not hide the
other's. Importing TensorFlow peaks higher than a small pipeline ever does, so the high-water
mark is reset (Linux: `/proc/self/clear_refs`) once the pipeline is built, and the peak is read
from `VmHWM` after the epochs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

VARIANTS = ("kn", "keras", "none")


def _pipeline(variant: str, quick: bool):
    import keras

    import keras_noise as kn
    from benchmarks.common import on_dict, on_images, small_data, small_data_epoch_candidate

    data = small_data(quick)
    if variant == "kn":
        return small_data_epoch_candidate(
            variant,
            data,
            kn.layers.MixUp(alpha=0.2, seed=1),
            example_fn=kn.layers.Cutout(size_fraction=0.5, seed=1),
        )
    if variant == "keras":
        erasing = keras.layers.RandomErasing(
            factor=(1.0, 1.0), scale=(0.19, 0.19), value_range=(0, 1), seed=0
        )
        return small_data_epoch_candidate(
            variant,
            data,
            on_dict(keras.layers.MixUp(alpha=0.2, seed=1)),
            example_fn=on_images(erasing, training=True),
        )
    return small_data_epoch_candidate(variant, data, None)


def peak_rss_mib(variant: str, *, epochs: int, quick: bool) -> float:
    """Runs `variant` for `epochs` epochs in a fresh process and returns its peak RSS in MiB."""
    command = [sys.executable, "-m", "benchmarks.peak_rss", variant, "--epochs", str(epochs)]
    output = subprocess.run(
        [*command, *(["--quick"] if quick else [])], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])["peak_rss_mib"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    candidate = _pipeline(args.variant, args.quick)
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    for _ in range(args.epochs):
        candidate.run()
    print(json.dumps({"variant": args.variant, "peak_rss_mib": _status_kib("VmHWM") / 1024}))


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field} line: peak memory needs Linux")


if __name__ == "__main__":
    main()
