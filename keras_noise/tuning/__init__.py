"""How much noise? Strength search: sweeps and successive halving over noise strengths.

`sweep` trains a model at each strength of a list and compares a validation metric (clean, or
on corrupted validation inputs). Because every keras-noise strength is a variable, the model is
built once per seed and each value starts from the same saved weights: no rebuild, no retrace.
`budget="halving"` spends a fraction of the epochs by dropping the worse half of the values at
each rung. `hypermodel` and `choose_strength` search strengths with KerasTuner instead.

Examples:
    >>> import keras_noise as kn
    >>> [(rung.num_values, rung.epochs) for rung in kn.tuning.halving.halving_plan(4, 20)]
    [(4, 5), (2, 10), (1, 20)]
"""

from keras_noise.tuning import halving
from keras_noise.tuning.keras_tuner import choose_strength, hypermodel
from keras_noise.tuning.results import SweepResult
from keras_noise.tuning.sweep import sweep

__all__ = ["SweepResult", "choose_strength", "halving", "hypermodel", "sweep"]
