"""Corruption error (CE), mean corruption error (mCE) and their relative forms against a baseline.

Definitions of Hendrycks and Dietterich (ICLR 2019), with error = 1 - accuracy, ``E[f, s, c]`` the
error of model f at severity s of corruption c and ``E[f, clean]`` its clean error:

* ``CE[f, c] = sum_s E[f, s, c] / sum_s E[baseline, s, c]``; ``mCE[f]`` is the mean over c.
* ``relative CE[f, c] = sum_s (E[f, s, c] - E[f, clean]) / sum_s (E[baseline, s, c] -
  E[baseline, clean])``; ``relative mCE[f]`` is the mean over c.

The paper's baseline is AlexNet; here it is any model evaluated the same way (the demo uses its
noise-free network). The sums run over the suite corruptions (integer levels) that both results
evaluated at the same severities. A corruption whose denominator is not positive (the baseline's
error does not grow under it, e.g. a sub-pixel blur on tiny images) has an undefined ratio: it
is reported as NaN and left out of the mean.
"""

from __future__ import annotations

import dataclasses
import math

from keras_noise._validation import invalid_value
from keras_noise.robustness.results import RobustnessResult

__all__ = ["CorruptionErrors", "corruption_errors"]


@dataclasses.dataclass(frozen=True)
class CorruptionErrors:
    """CE and relative CE per corruption, and their means, against a baseline.

    Attributes:
        ce: corruption error per corruption (1.0 = as many errors as the baseline).
        relative_ce: relative corruption error per corruption (the error added by the
            corruption, relative to the baseline's added error).
        mce: mean of the defined `ce` values.
        relative_mce: mean of the defined `relative_ce` values.
    """

    ce: dict[str, float]
    relative_ce: dict[str, float]
    mce: float
    relative_mce: float

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN as None)."""
        return {
            "ce": {k: _none(v) for k, v in self.ce.items()},
            "relative_ce": {k: _none(v) for k, v in self.relative_ce.items()},
            "mce": _none(self.mce),
            "relative_mce": _none(self.relative_mce),
        }

    def to_markdown(self, *, digits: int = 3) -> str:
        """A Markdown table: one row per corruption, then the means."""
        lines = ["| corruption | CE | relative CE |", "|---|---:|---:|"]
        for name, value in self.ce.items():
            lines.append(
                f"| {name} | {_text(value, digits)} | {_text(self.relative_ce[name], digits)} |"
            )
        lines.append(
            f"| **mean** | **{_text(self.mce, digits)}** | **{_text(self.relative_mce, digits)}** |"
        )
        return "\n".join(lines)


def _none(value: float):
    return None if math.isnan(value) else value


def _text(value: float, digits: int) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 1e-12 else math.nan


def _mean(values) -> float:
    defined = [v for v in values if not math.isnan(v)]
    return sum(defined) / len(defined) if defined else math.nan


def corruption_errors(result: RobustnessResult, baseline: RobustnessResult) -> CorruptionErrors:
    """CE, relative CE, mCE and relative mCE of `result` against `baseline`.

    Args:
        result: the evaluated model's `RobustnessResult` (an accuracy metric).
        baseline: the baseline's, with the same suite corruptions and severities.

    Returns:
        A `CorruptionErrors`.

    Raises:
        ValueError: if the metric is not an accuracy, or no suite corruption was evaluated at
            the same severities in both results.

    Examples:
        >>> from keras_noise.robustness import Curve, RobustnessResult, corruption_errors
        >>> def result(clean, fog):
        ...     curve = Curve("fog", "corruption", "level", (1, 5), fog)
        ...     return RobustnessResult("accuracy", clean, {"fog": curve}, num_examples=10)
        >>> errors = corruption_errors(result(0.9, (0.8, 0.6)), result(0.9, (0.6, 0.4)))
        >>> round(errors.ce["fog"], 4), round(errors.relative_ce["fog"], 4)
        (0.6, 0.5)
    """
    for name, value in (("result", result), ("baseline", baseline)):
        if not isinstance(value, RobustnessResult):
            raise invalid_value(name, "a RobustnessResult", value)
        if "accuracy" not in value.metric:
            raise invalid_value(
                name,
                "a result measured with an accuracy metric (errors are 1 - accuracy)",
                f"<RobustnessResult of metric {value.metric!r}>",
            )
    names = [
        name
        for name, curve in result.curves.items()
        if curve.kind == "corruption"
        and curve.severity_name == "level"
        and name in baseline.curves
        and tuple(baseline.curves[name].severities) == tuple(curve.severities)
    ]
    if not names:
        raise invalid_value(
            "baseline",
            "a result with suite corruptions evaluated at the same severities as `result`",
            f"<corruptions {sorted(baseline.curves)}; result has {sorted(result.curves)}>",
        )
    ce, relative = {}, {}
    for name in names:
        errors = [1.0 - v for v in result.curves[name].values]
        base = [1.0 - v for v in baseline.curves[name].values]
        ce[name] = _ratio(sum(errors), sum(base))
        added = sum(e - (1.0 - result.clean) for e in errors)
        base_added = sum(b - (1.0 - baseline.clean) for b in base)
        relative[name] = _ratio(added, base_added)
    return CorruptionErrors(ce, relative, _mean(ce.values()), _mean(relative.values()))
