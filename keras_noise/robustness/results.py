"""`RobustnessResult`: the scores of one model, clean and along each corruption or attack curve."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["CertifiedAccuracy", "Curve", "RobustnessResult"]


@dataclasses.dataclass(frozen=True)
class Curve:
    """Scores of one model along one corruption or attack, at increasing severities.

    Attributes:
        name: the corruption or attack, e.g. "gaussian_noise" or "fgsm".
        kind: "corruption" or "attack".
        severity_name: what the severity measures, e.g. "sigma", "rate", "area", "epsilon".
        severities: the severities, as evaluated.
        values: the metric at each severity.
    """

    name: str
    kind: str
    severity_name: str
    severities: tuple[float, ...]
    values: tuple[float, ...]

    def as_dict(self) -> dict[float, float]:
        """``{severity: value}``."""
        return dict(zip(self.severities, self.values, strict=True))


@dataclasses.dataclass(frozen=True)
class CertifiedAccuracy:
    """Certified accuracy of a randomized-smoothing classifier at increasing L2 radii.

    Attributes:
        stddev: the smoothing noise's sigma.
        radii: the radii, increasing from 0.
        accuracy: the fraction of examples predicted correctly with a certified radius of at
            least each radius.
        abstained: the fraction of examples where certification abstained.
        num_examples: how many examples were certified.
    """

    stddev: float
    radii: tuple[float, ...]
    accuracy: tuple[float, ...]
    abstained: float
    num_examples: int

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            **dataclasses.asdict(self),
            "radii": list(self.radii),
            "accuracy": list(self.accuracy),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> CertifiedAccuracy:
        """The inverse of `to_dict`."""
        return cls(
            float(data["stddev"]),
            tuple(float(r) for r in data["radii"]),
            tuple(float(a) for a in data["accuracy"]),
            float(data["abstained"]),
            int(data["num_examples"]),
        )


class RobustnessResult(Mapping):
    """The result of `keras_noise.robustness.evaluate`: a read-only mapping of plain numbers.

    Keys are ``"clean"`` (the metric on clean data, a float) and the name of every evaluated
    corruption and attack (a ``{severity: value}`` dict). Exports: `to_dict` / `from_dict`,
    `to_json` / `from_json`, `to_markdown` (with corruption errors against a baseline), and
    `to_dataframe` (needs pandas).

    Attributes:
        metric: the metric's name, e.g. "accuracy".
        clean: the metric on clean data.
        curves: the `Curve` of every corruption and attack, by name.
        num_examples: how many examples were evaluated.
        ece: None, or the expected calibration error clean (``ece["clean"]``) and at every
            point (``ece[name][severity]``), from ``evaluate(calibration=True)``.
        certified: None, or a `CertifiedAccuracy` curve (see `with_certified`).

    Examples:
        >>> from keras_noise.robustness import Curve, RobustnessResult
        >>> curve = Curve("fgsm", "attack", "epsilon", (0.1, 0.2), (0.5, 0.25))
        >>> result = RobustnessResult("accuracy", 0.9, {"fgsm": curve}, num_examples=100)
        >>> result["clean"], result["fgsm"][0.2]
        (0.9, 0.25)
        >>> RobustnessResult.from_json(result.to_json()) == result
        True
    """

    def __init__(
        self,
        metric: str,
        clean: float,
        curves: Mapping[str, Curve],
        *,
        num_examples: int,
        ece: Mapping | None = None,
        certified: CertifiedAccuracy | None = None,
    ):
        self.metric = str(metric)
        self.clean = float(clean)
        self.curves = dict(curves)
        self.num_examples = int(num_examples)
        self.ece = (
            None
            if ece is None
            else {
                key: float(value)
                if key == "clean"
                else {float(s): float(v) for s, v in value.items()}
                for key, value in ece.items()
            }
        )
        self.certified = certified

    def with_certified(self, certified: CertifiedAccuracy) -> RobustnessResult:
        """A copy of this result with a certified-accuracy curve attached."""
        return RobustnessResult(
            self.metric,
            self.clean,
            self.curves,
            num_examples=self.num_examples,
            ece=self.ece,
            certified=certified,
        )

    # ------------------------------------------------------------------------------ mapping
    def __getitem__(self, key: str) -> Any:
        if key == "clean":
            return self.clean
        if key in self.curves:
            return self.curves[key].as_dict()
        raise KeyError(f"{key!r}; available keys: {list(self)}")

    def __iter__(self) -> Iterator[str]:
        yield "clean"
        yield from self.curves

    def __len__(self) -> int:
        return 1 + len(self.curves)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RobustnessResult):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        parts = [f"clean={self.clean:.4f}"]
        for curve in self.curves.values():
            points = ", ".join(
                f"{s:g}: {v:.4f}" for s, v in zip(curve.severities, curve.values, strict=True)
            )
            parts.append(f"{curve.name}={{{points}}}")
        return f"RobustnessResult({self.metric}; " + "; ".join(parts) + ")"

    # ------------------------------------------------------------------------------ exports
    def to_dict(self) -> dict:
        """A JSON-ready dict (severities and values as lists of pairs)."""
        data = {
            "metric": self.metric,
            "num_examples": self.num_examples,
            "clean": self.clean,
            "curves": {
                name: {
                    "kind": curve.kind,
                    "severity_name": curve.severity_name,
                    "points": [[s, v] for s, v in zip(curve.severities, curve.values, strict=True)],
                }
                for name, curve in self.curves.items()
            },
        }
        if self.ece is not None:
            data["ece"] = {
                key: value if key == "clean" else [[s, v] for s, v in value.items()]
                for key, value in self.ece.items()
            }
        if self.certified is not None:
            data["certified"] = self.certified.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> RobustnessResult:
        """The inverse of `to_dict`."""
        curves = {
            name: Curve(
                name,
                entry["kind"],
                entry["severity_name"],
                tuple(float(s) for s, _ in entry["points"]),
                tuple(float(v) for _, v in entry["points"]),
            )
            for name, entry in data["curves"].items()
        }
        ece = data.get("ece")
        if ece is not None:
            ece = {
                key: value if key == "clean" else {float(s): float(v) for s, v in value}
                for key, value in ece.items()
            }
        certified = data.get("certified")
        return cls(
            data["metric"],
            data["clean"],
            curves,
            num_examples=data["num_examples"],
            ece=ece,
            certified=None if certified is None else CertifiedAccuracy.from_dict(certified),
        )

    def to_json(self, **kwargs) -> str:
        """The result as a JSON string; `kwargs` go to `json.dumps` (default ``indent=2``)."""
        return json.dumps(self.to_dict(), **{"indent": 2, **kwargs})

    @classmethod
    def from_json(cls, text: str) -> RobustnessResult:
        """The inverse of `to_json`."""
        return cls.from_dict(json.loads(text))

    def rows(self) -> list[dict]:
        """One dict per point: perturbation, kind, severity_name, severity and the metric."""
        rows = [
            {
                "perturbation": "clean",
                "kind": "clean",
                "severity_name": "",
                "severity": 0.0,
                self.metric: self.clean,
            }
        ]
        for curve in self.curves.values():
            for severity, value in zip(curve.severities, curve.values, strict=True):
                rows.append(
                    {
                        "perturbation": curve.name,
                        "kind": curve.kind,
                        "severity_name": curve.severity_name,
                        "severity": severity,
                        self.metric: value,
                    }
                )
        return rows

    def to_markdown(self, *, digits: int = 3, baseline: RobustnessResult | None = None) -> str:
        """A Markdown table with one row per point (the clean score first).

        With ``evaluate(calibration=True)`` results, an ECE column is added. With a `baseline`
        result (same corruptions and severities), a second table gives each suite corruption's
        corruption error (CE) and relative CE against it, then mCE and relative mCE
        (`keras_noise.robustness.corruption_errors`).
        """
        ece = self.ece
        header = f"| perturbation | severity | {self.metric} |"
        rule = "|---|---|---:|"
        if ece is not None:
            header, rule = header + " ECE |", rule + "---:|"
        lines = [header, rule]
        for row in self.rows():
            severity = (
                "-" if row["kind"] == "clean" else f"{row['severity_name']} = {row['severity']:g}"
            )
            line = f"| {row['perturbation']} | {severity} | {_number(row[self.metric], digits)} |"
            if ece is not None:
                name = row["perturbation"]
                value = ece["clean"] if name == "clean" else ece.get(name, {}).get(row["severity"])
                line += f" {'-' if value is None else _number(value, digits)} |"
            lines.append(line)
        if baseline is not None:
            from keras_noise.robustness.corruption_error import corruption_errors

            lines += ["", corruption_errors(self, baseline).to_markdown(digits=digits)]
        return "\n".join(lines)

    def to_dataframe(self):
        """A pandas DataFrame with the columns of `rows()`, one row per point.

        Raises:
            ImportError: if pandas is not installed.
        """
        try:
            import pandas
        except ImportError as error:
            raise ImportError(
                "RobustnessResult.to_dataframe() needs pandas, an optional dependency: "
                "`pip install pandas`. to_dict(), to_json() and to_markdown() work without it."
            ) from error
        return pandas.DataFrame(self.rows())


def _number(value: float, digits: int) -> str:
    return "nan" if math.isnan(value) else f"{value:.{digits}f}"
