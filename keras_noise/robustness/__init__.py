"""Robustness as data and as a plot: a model's metric under corruptions and adversarial attacks.

`evaluate` scores a model on clean data, under corruptions built from the package's own layers
(Gaussian noise, salt-and-pepper, occlusion, feature masking; `CORRUPTIONS` states what each
severity means) and under FGSM/PGD at a list of epsilons; it returns a `RobustnessResult`
(a mapping of plain numbers, exportable to JSON, Markdown and pandas). `plot` draws the curves of
several models into one PNG.

Example:
>>> from keras_noise import robustness
>>> sorted(robustness.CORRUPTIONS)
['feature_mask', 'gaussian_noise', 'occlusion', 'salt_and_pepper']
>>> robustness.CORRUPTIONS["gaussian_noise"].severity_name
'sigma'
"""

from keras_noise.robustness.corruptions import CORRUPTIONS, Corruption
from keras_noise.robustness.evaluation import ATTACKS, evaluate
from keras_noise.robustness.plotting import plot
from keras_noise.robustness.results import Curve, RobustnessResult

__all__ = [
    "ATTACKS",
    "CORRUPTIONS",
    "Corruption",
    "Curve",
    "RobustnessResult",
    "evaluate",
    "plot",
]
