"""Adversarial examples and adversarial training: FGSM, PGD and `AdversarialModel`.

Examples:
    >>> import keras_noise as kn
    >>> sorted(name for name in kn.adversarial.__all__)
    ['AdversarialModel', 'fgsm', 'pgd']
"""

from keras_noise.adversarial.attacks import fgsm, pgd
from keras_noise.adversarial.training import AdversarialModel

__all__ = ["AdversarialModel", "fgsm", "pgd"]
