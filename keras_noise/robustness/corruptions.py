"""The corruptions `keras_noise.robustness.evaluate` measures, each built from a keras-noise layer.

Every entry maps a severity to a configured layer that `evaluate` applies with ``training=True``
and a fixed seed, so an evaluation is deterministic and every model sees the same corrupted
inputs. The severity's meaning is explicit per corruption:

=================  ==========  ===========================================================
name               severity    meaning
=================  ==========  ===========================================================
gaussian_noise     sigma       standard deviation of additive Gaussian noise, in input units
                               (on [0, 1] images, 0.1 = a tenth of the range); the result is
                               clipped to ``value_range`` (`layers.Jitter`)
salt_and_pepper    rate        fraction of input values set to the low or the high end of
                               ``value_range``, half each (`layers.SaltAndPepper`)
occlusion          area        area of one square hole as a fraction of the image: the hole's
                               side is ``sqrt(area)`` of each image side, at a uniform random
                               center, clipped at the border (so on average less than ``area``
                               is hidden), filled with the low end of ``value_range``
                               (`layers.Cutout`); images only
feature_mask       rate        fraction of input values replaced by 0.0, independently per
                               value (`layers.FeatureMask`)
=================  ==========  ===========================================================
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras

from keras_noise import layers
from keras_noise._validation import check_float, check_known_names, invalid_value

__all__ = ["CORRUPTIONS", "Corruption"]


@dataclasses.dataclass(frozen=True)
class Corruption:
    """One corruption: how a severity becomes a keras-noise layer.

    Attributes:
        name: the key used in `evaluate(corruptions=...)` and in results.
        severity_name: what the severity measures, e.g. "sigma" (used as the plot's x label).
        description: the severity's meaning, in one sentence.
        default_severities: the severities evaluated when only the name is given.
        severity_bounds: keyword arguments of `check_float` that valid severities satisfy.
        images_only: whether the corruption needs batches of images (rank 4).
        build: ``build(severity, value_range, seed) -> layer``, for a severity > 0.
    """

    name: str
    severity_name: str
    description: str
    default_severities: tuple[float, ...]
    severity_bounds: dict
    images_only: bool
    build: Callable[[float, Any, int], keras.layers.Layer]

    def check_severities(self, severities: Any) -> tuple[float, ...]:
        """Validates a sequence of severities; errors name the corruption."""
        if isinstance(severities, (str, bytes)) or not isinstance(severities, Sequence):
            raise invalid_value(
                f"corruptions['{self.name}']", "a sequence of severities", severities
            )
        name = f"corruptions['{self.name}'] ({self.severity_name})"
        return tuple(check_float(name, value, **self.severity_bounds) for value in severities)

    def layer(self, severity: float, value_range, seed: int) -> keras.layers.Layer | None:
        """The configured layer for `severity`, or None at severity 0 (the clean inputs)."""
        if severity == 0.0:
            return None
        return self.build(severity, value_range, seed)


def _gaussian(severity, value_range, seed):
    return layers.Jitter(stddev=severity, value_range=value_range, seed=seed)


def _salt_and_pepper(severity, value_range, seed):
    return layers.SaltAndPepper(rate=severity, value_range=value_range, seed=seed)


def _occlusion(severity, value_range, seed):
    fill = 0.0 if value_range is None else value_range[0]
    return layers.Cutout(size=math.sqrt(severity), fill_value=fill, seed=seed)


def _feature_mask(severity, value_range, seed):
    return layers.FeatureMask(rate=severity, seed=seed)


_RATE = {"low": 0.0, "high": 1.0}

CORRUPTIONS: Mapping[str, Corruption] = {
    corruption.name: corruption
    for corruption in (
        Corruption(
            "gaussian_noise",
            "sigma",
            "additive Gaussian noise of standard deviation sigma (input units), clipped",
            (0.1, 0.2, 0.3),
            {"low": 0.0},
            False,
            _gaussian,
        ),
        Corruption(
            "salt_and_pepper",
            "rate",
            "fraction of values set to the low or high end of the value range",
            (0.05, 0.1, 0.2),
            _RATE,
            False,
            _salt_and_pepper,
        ),
        Corruption(
            "occlusion",
            "area",
            "one square hole of this fraction of the image area (clipped at the border)",
            (0.1, 0.25, 0.5),
            _RATE,
            True,
            _occlusion,
        ),
        Corruption(
            "feature_mask",
            "rate",
            "fraction of values replaced by 0, independently",
            (0.1, 0.25, 0.5),
            _RATE,
            False,
            _feature_mask,
        ),
    )
}


def resolve_corruptions(
    corruptions: Any, *, input_rank: int | None
) -> dict[str, tuple[Corruption, tuple[float, ...]]]:
    """Turns `evaluate`'s `corruptions` argument into ``{name: (corruption, severities)}``.

    Args:
        corruptions: None (every corruption that applies to the data, at its default
            severities; occlusion only for rank-4 image batches), a sequence of names (default
            severities), or a mapping of names to sequences of severities.
        input_rank: the rank of an input batch, or None if unknown.

    Raises:
        ValueError: for unknown names (the message lists the known ones) or bad severities.
    """
    if corruptions is None:
        return {
            name: (corruption, corruption.default_severities)
            for name, corruption in CORRUPTIONS.items()
            if not corruption.images_only or input_rank == 4
        }
    if isinstance(corruptions, str):
        corruptions = [corruptions]
    if not isinstance(corruptions, (Mapping, Sequence)):
        raise invalid_value(
            "corruptions",
            "None, a sequence of names or a mapping of names to severities",
            corruptions,
        )
    check_known_names("corruptions", corruptions, CORRUPTIONS, "corruptions")
    resolved = {}
    for name in corruptions:
        corruption = CORRUPTIONS[name]
        if isinstance(corruptions, Mapping):
            severities = corruption.check_severities(corruptions[name])
        else:
            severities = corruption.default_severities
        resolved[name] = (corruption, severities)
    return resolved
