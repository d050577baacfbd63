"""`evaluate`: a model's metric on clean data, under corruptions and under adversarial attacks."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_noise._validation import (
    check_choice,
    check_float,
    check_int,
    check_known_names,
    check_range,
    check_seed,
    invalid_value,
)
from keras_noise.adversarial import _checks as attack_checks
from keras_noise.adversarial import attacks as attack_ops
from keras_noise.ops.random import NoiseSeedGenerator
from keras_noise.robustness.calibration import CalibrationAccumulator
from keras_noise.robustness.corruptions import Corruption, resolve_corruptions
from keras_noise.robustness.results import Curve, RobustnessResult

__all__ = ["ATTACKS", "evaluate"]

#: The attacks `evaluate` runs, with their default epsilons (L-inf, in input units).
ATTACKS: Mapping[str, tuple[float, ...]] = {"fgsm": (0.05, 0.1, 0.2), "pgd": (0.05, 0.1, 0.2)}
_DEFAULT_ATTACKS = ("fgsm",)
_DATA_HELP = (
    "labelled data: a tuple (x, y) or (x, y, sample_weight) of arrays, or a tf.data.Dataset "
    "of such batches"
)


@dataclasses.dataclass
class _Entry:
    """One point of a curve being evaluated: how to perturb a batch, and the metric's state."""

    name: str
    severity: float
    metric: keras.metrics.Metric
    corruption: Corruption | None = None
    attack: str | None = None
    seed_generator: NoiseSeedGenerator | None = None
    calibration: CalibrationAccumulator | None = None


def _resolve_attacks(attack_arg: Any) -> dict[str, tuple[float, ...]]:
    if attack_arg is None:
        return {name: ATTACKS[name] for name in _DEFAULT_ATTACKS}
    if isinstance(attack_arg, str):
        attack_arg = [attack_arg]
    if not isinstance(attack_arg, (Mapping, Sequence)):
        raise invalid_value(
            "attacks", "None, a sequence of names or a mapping of names to epsilons", attack_arg
        )
    check_known_names("attacks", attack_arg, ATTACKS, "attacks")
    resolved = {}
    for name in attack_arg:
        if isinstance(attack_arg, Mapping):
            epsilons = attack_arg[name]
            if isinstance(epsilons, (str, bytes)) or not isinstance(epsilons, Sequence):
                raise invalid_value(f"attacks['{name}']", "a sequence of epsilons", epsilons)
            resolved[name] = tuple(
                check_float(f"attacks['{name}'] (epsilon)", e, low=0.0) for e in epsilons
            )
        else:
            resolved[name] = ATTACKS[name]
    return resolved


# ------------------------------------------------------------------------------------ data
def _describe(data: Any) -> str:
    if isinstance(data, (np.ndarray, tf.Tensor)):
        return f"<{type(data).__name__} of shape {tuple(data.shape)}>"
    if isinstance(data, tf.data.Dataset):
        return f"<Dataset with element_spec {data.element_spec}>"
    return repr(data)


def _as_float(x: Any) -> Any:
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x.astype(keras.config.floatx())
    return x


class _Data:
    """Labelled batches from arrays or a `tf.data.Dataset`, with their count when known."""

    def __init__(self, data: Any, batch_size: int):
        self.batch_size = batch_size
        if isinstance(data, tf.data.Dataset):
            spec = data.element_spec
            if not isinstance(spec, tuple) or len(spec) not in (2, 3):
                raise invalid_value(
                    "data", _DATA_HELP + " (robustness needs labels)", _describe(data)
                )
            self.dataset, self.arrays = data, None
            cardinality = int(data.cardinality())
            self.num_batches = cardinality if cardinality >= 0 else None
            shape = spec[0].shape if isinstance(spec[0], tf.TensorSpec) else None
            self.input_shape = None if shape is None or shape.rank is None else tuple(shape)
            return
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
            raise invalid_value("data", _DATA_HELP + " (robustness needs labels)", _describe(data))
        arrays = [None if part is None else _as_float(np.asarray(part)) for part in data]
        if arrays[1] is None:
            raise invalid_value("data", _DATA_HELP + " (robustness needs labels)", "(x, None)")
        lengths = {len(part) for part in arrays if part is not None}
        if len(lengths) != 1:
            raise invalid_value(
                "data",
                "arrays with the same number of examples",
                tuple(None if p is None else p.shape for p in arrays),
            )
        self.dataset, self.arrays = None, arrays
        self.num_batches = math.ceil(len(arrays[0]) / batch_size)
        self.input_shape = arrays[0].shape

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        if self.dataset is not None:
            for element in self.dataset:
                yield (*element, None) if len(element) == 2 else tuple(element)
            return
        x, y, *rest = self.arrays
        sample_weight = rest[0] if rest else None
        for start in range(0, len(x), self.batch_size):
            stop = start + self.batch_size
            yield (
                tf.convert_to_tensor(x[start:stop]),
                tf.convert_to_tensor(y[start:stop]),
                None if sample_weight is None else tf.convert_to_tensor(sample_weight[start:stop]),
            )


# --------------------------------------------------------------------------------- metrics
def _accuracy_for(y, y_pred) -> keras.metrics.Metric:
    """The accuracy Keras' `compile(metrics=["accuracy"])` would pick for these shapes."""
    if y_pred.shape.rank is not None and (y_pred.shape.rank == 1 or y_pred.shape[-1] == 1):
        return keras.metrics.BinaryAccuracy(name="accuracy")
    if y.shape.rank is not None and y.shape.rank == y_pred.shape.rank and y.shape[-1] != 1:
        return keras.metrics.CategoricalAccuracy(name="accuracy")
    return keras.metrics.SparseCategoricalAccuracy(name="accuracy")


def _metric_factory(metric: Any):
    """A function ``(y, y_pred) -> fresh Metric`` for `evaluate`'s `metric` argument."""
    if metric == "accuracy":
        return _accuracy_for
    if isinstance(metric, keras.metrics.Metric):
        config = keras.metrics.serialize(metric)
        return lambda y, y_pred: keras.metrics.deserialize(config)
    if isinstance(metric, str) or callable(metric):
        resolved = keras.metrics.get(metric)
        if isinstance(resolved, keras.metrics.Metric):
            config = keras.metrics.serialize(resolved)
            return lambda y, y_pred: keras.metrics.deserialize(config)
        name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
        return lambda y, y_pred: keras.metrics.MeanMetricWrapper(resolved, name=name)
    raise invalid_value(
        "metric", '"accuracy", a Keras metric name, a keras.metrics.Metric or a function', metric
    )


def _metric_name(metric: Any) -> str:
    if isinstance(metric, str):
        return metric
    return getattr(metric, "name", None) or getattr(metric, "__name__", "metric")


# -------------------------------------------------------------------------------- evaluate
def evaluate(
    model: keras.Model,
    data: Any,
    *,
    corruptions: Any = None,
    attacks: Any = None,
    metric: Any = "accuracy",
    value_range: Sequence[float] | None = (0.0, 1.0),
    loss: Any = None,
    pgd_steps: int = 10,
    pgd_norm: str = "linf",
    calibration: bool = False,
    num_bins: int = 15,
    batch_size: int = 256,
    seed: int = 0,
    verbose: int = 1,
) -> RobustnessResult:
    """Measures a model's metric on clean data, under corruptions and under attacks.

    Every corruption is `keras_noise.robustness.corrupt`'s (see `CORRUPTIONS` for each
    severity's meaning), drawn from `seed` and the batch index: the evaluation is
    deterministic, different severities of one corruption share their random draws (smooth
    curves), and two models evaluated with the same seed see the same corrupted inputs. Attacks
    (`keras_noise.adversarial.fgsm` and `pgd`, L-inf by default) are crafted against the model
    itself, per batch, and clipped to `value_range`. The model runs with ``training=False``. The
    data is read once; every batch is scored under every perturbation.

    Args:
        model: a Keras model with one input tensor.
        data: labelled data: a tuple `(x, y)` or `(x, y, sample_weight)` of arrays (batched
            with `batch_size`), or a `tf.data.Dataset` of such batches (read once).
        corruptions: None (every corruption that applies, at its default severities: the
            ImageNet-C suite at levels 1-5 for image batches `(batch, height, width, 1 or 3)`,
            "occlusion" for images, and "jitter", "salt_and_pepper", "feature_mask" for any
            data), a sequence of names, or a mapping of names to severities, e.g.
            ``{"fog": [1, 3, 5], "jitter": [0.1, 0.2]}``. Empty: no corruption.
        attacks: None (FGSM at epsilons 0.05, 0.1, 0.2), a sequence of names ("fgsm", "pgd"),
            or a mapping of names to epsilons. Empty: no attack. Attacks need `loss` or a
            model compiled with a loss.
        metric: "accuracy" (binary, categorical or sparse categorical, chosen from the shapes as
            `compile(metrics=["accuracy"])` does), a Keras metric name, a `keras.metrics.Metric`
            (a fresh copy per curve point) or a function ``metric(y_true, y_pred)``.
        value_range: the `(low, high)` range of the inputs: suite corruptions work on it
            rescaled to [0, 1]; noisy and adversarial inputs are clipped to it, salt and pepper
            are its ends, occlusion fills with `low`. None: no clipping (salt-and-pepper then
            uses (0, 1); the suite needs a range).
        loss: the attack loss: None for the model's compiled loss, or a Keras loss name, a
            `keras.losses.Loss` or a callable.
        pgd_steps: PGD's number of steps, >= 1 (step size ``2.5 * epsilon / steps``, random
            start).
        pgd_norm: PGD's norm, "linf" or "l2" (then the epsilons are L2 radii per example).
        calibration: also measure the expected calibration error (`calibration`) clean and at
            every point; the model must output class probabilities. Read it from
            ``result.ece``.
        num_bins: the ECE's number of equal-width confidence bins, >= 1.
        batch_size: the batch size for array data, >= 1.
        seed: the seed of every corruption and of PGD's random starts, an int >= 0.
        verbose: 0 (silent), 1 (a Keras progress bar over the batches) or 2 (one line at
            the end), as in `model.evaluate`.

    Returns:
        A `RobustnessResult`: ``result["clean"]`` and ``result[name][severity]``.

    Raises:
        ValueError: for data without labels, unknown corruption or attack names (the message
            lists the known ones), bad severities, epsilons < 0, ``value_range`` with
            low >= high, data a corruption cannot take, or attacks without a usable loss.
        TypeError: for attacks or corruptions on integer inputs (cast images to float).

    Examples:
        >>> import keras, numpy as np, keras_noise as kn
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "softmax")])
        >>> model.compile(loss="sparse_categorical_crossentropy")
        >>> x, y = np.random.default_rng(0).uniform(size=(32, 4)), np.arange(32) % 3
        >>> result = kn.robustness.evaluate(
        ...     model, (x, y), corruptions={"jitter": [0.1]}, attacks={"fgsm": [0.1]},
        ...     calibration=True, verbose=0)
        >>> list(result), list(result["fgsm"]), sorted(result.ece)
        (['clean', 'jitter', 'fgsm'], [0.1], ['clean', 'fgsm', 'jitter'])

    References:
        Hendrycks and Dietterich, "Benchmarking Neural Network Robustness to Common Corruptions
        and Perturbations", ICLR 2019.
    """
    value_range = (
        None if value_range is None else check_range("value_range", value_range, allow_equal=False)
    )
    batch_size = check_int("batch_size", batch_size, low=1)
    num_bins = check_int("num_bins", num_bins, low=1)
    seed = check_seed(seed)
    seed = 0 if seed is None else seed
    pgd_steps = check_int("pgd_steps", pgd_steps, low=1)
    pgd_norm = check_choice("pgd_norm", pgd_norm, attack_checks.NORMS)
    if not isinstance(calibration, bool):
        raise invalid_value("calibration", "True or False", calibration)
    verbose = check_choice(
        "verbose", int(verbose) if isinstance(verbose, bool) else verbose, (0, 1, 2)
    )
    batches = _Data(data, batch_size)
    resolved_corruptions = resolve_corruptions(corruptions, input_shape=batches.input_shape)
    resolved_attacks = _resolve_attacks(attacks)
    if resolved_attacks:
        attack_checks.resolve_loss(model, loss)  # fails now, not after the clean pass
    new_metric = _metric_factory(metric)
    metric_name = _metric_name(metric)

    predict = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    entries: list[_Entry] | None = None
    progbar = keras.utils.Progbar(
        batches.num_batches, verbose=verbose, stateful_metrics=[metric_name], unit_name="batch"
    )
    num_examples = 0
    base_seed = tf.constant([seed, 0], tf.int64)
    for step, (x, y, sample_weight) in enumerate(batches, start=1):
        num_examples += int(tf.shape(x)[0])
        if entries is None:
            for corruption, _ in resolved_corruptions.values():
                corruption.check_input(x, "data")
            metric_factory = functools.partial(new_metric, y, predict(x))
            entries = _make_entries(
                resolved_corruptions, resolved_attacks, metric_factory, seed, calibration, num_bins
            )
        batch_seed = tf.random.experimental.stateless_fold_in(base_seed, step, alg="philox")
        for entry in entries:
            perturbed = _perturb(
                entry, model, x, y, value_range, loss, pgd_steps, pgd_norm, batch_seed
            )
            y_pred = predict(perturbed)
            entry.metric.update_state(y, y_pred, sample_weight=sample_weight)
            if entry.calibration is not None:
                entry.calibration.update(y, y_pred, sample_weight=sample_weight)
        progbar.update(step, values=[(metric_name, float(entries[0].metric.result()))])
    if entries is None:
        raise invalid_value("data", _DATA_HELP + " (with at least one example)", _describe(data))
    if batches.num_batches is None:
        progbar.update(
            step, values=[(metric_name, float(entries[0].metric.result()))], finalize=True
        )
    return _result(entries, resolved_corruptions, resolved_attacks, metric_name, num_examples)


def _make_entries(
    corruptions, attack_epsilons, new_metric, seed, calibration, num_bins
) -> list[_Entry]:
    def accumulator():
        return CalibrationAccumulator(num_bins) if calibration else None

    entries = [_Entry("clean", 0.0, new_metric(), calibration=accumulator())]
    for name, (corruption, severities) in corruptions.items():
        for severity in severities:
            entries.append(
                _Entry(
                    name,
                    severity,
                    new_metric(),
                    corruption=corruption,
                    calibration=accumulator(),
                )
            )
    for name, epsilons in attack_epsilons.items():
        for epsilon in epsilons:
            generator = NoiseSeedGenerator(seed) if name == "pgd" else None
            entries.append(
                _Entry(
                    name,
                    epsilon,
                    new_metric(),
                    attack=name,
                    seed_generator=generator,
                    calibration=accumulator(),
                )
            )
    return entries


def _perturb(entry: _Entry, model, x, y, value_range, loss, pgd_steps, pgd_norm, seed):
    if entry.corruption is not None:
        # Eager: one call per batch and point does not repay tracing a graph per point.
        return entry.corruption.apply(x, entry.severity, seed, value_range)
    if entry.attack == "fgsm":
        return attack_ops.fgsm(model, x, y, entry.severity, loss=loss, clip=value_range)
    if entry.attack == "pgd":
        return attack_ops.pgd(
            model,
            x,
            y,
            entry.severity,
            steps=pgd_steps,
            norm=pgd_norm,
            loss=loss,
            clip=value_range,
            seed=entry.seed_generator,
        )
    return x


def _result(entries, corruptions, attack_epsilons, metric_name, num_examples) -> RobustnessResult:
    scores: dict[str, dict[float, float]] = {}
    ece: dict[str, dict[float, float]] = {}
    for entry in entries:
        scores.setdefault(entry.name, {})[entry.severity] = float(entry.metric.result())
        if entry.calibration is not None:
            ece.setdefault(entry.name, {})[entry.severity] = entry.calibration.result().ece
    curves = {}
    for name, (corruption, severities) in corruptions.items():
        values = tuple(scores[name][s] for s in severities)
        curves[name] = Curve(name, "corruption", corruption.severity_name, severities, values)
    for name, epsilons in attack_epsilons.items():
        values = tuple(scores[name][e] for e in epsilons)
        curves[name] = Curve(name, "attack", "epsilon", epsilons, values)
    calibration = None
    if ece:
        calibration = {"clean": ece["clean"][0.0]}
        calibration.update({name: ece[name] for name in curves})
    return RobustnessResult(
        metric_name, scores["clean"][0.0], curves, num_examples=num_examples, ece=calibration
    )
