"""`NoiseScheduler`: moves noise strengths along schedules during `fit`, without retracing.

A **noise component** is any object with a `strength` Keras variable and a validating
`set_strength(value)` method: every `keras_noise.layers.NoiseLayer`, the
`keras_noise.optimizers.GradientNoise` optimizer (`strength` is its `eta`), and any later
component that follows the same protocol (`is_noise_component`). The callback selects
components, evaluates its schedules on the host, and assigns the variables; graphs read the
variables, so the already traced (or XLA-compiled) train function and already built `tf.data`
iterators see the new values at their next step with zero retraces.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import keras

from keras_noise import schedules as schedules_module
from keras_noise._keras_compat import layer_tree
from keras_noise._validation import check_choice, check_int, invalid_value
from keras_noise.callbacks.components import (
    _components_of,
    _describe,
    _optimizer_chain,
    _unique,
    is_noise_component,
)
from keras_noise.callbacks.selectors import (
    _SELECTOR_HELP,
    _check_schedule,
    _deserialize_selector,
    _hashable,
    _is_serialized_object,
    _normalize_selector,
    _serialize,
    _serialize_selector,
)
from keras_noise.data.service import is_served

__all__ = ["NoiseScheduler"]


def _strength_key(component: Any) -> str:
    return f"{component.name}/{getattr(component, 'strength_name', 'strength')}"


def _scheduled_by_default(component: Any) -> bool:
    """Whether the default selection takes `component`: noise layers, not a model-level one.

    The adversarial training wrapper's epsilon is an attack radius: select it by name or class.
    """
    return not isinstance(component, keras.Model)


@dataclasses.dataclass
class _Assignment:
    component: Any
    schedule: Callable
    key: str
    last: Any = None


@keras.saving.register_keras_serializable(package="keras_noise")
class NoiseScheduler(keras.callbacks.Callback):
    """Assigns the strengths of noise components from schedules, per epoch or per step.

    **Selection** (`layers`): by default every noise layer of the model (nested models,
    wrappers, sublayers; not a model-level component such as the epsilon of
    `keras_noise.adversarial.AdversarialModel`, an attack radius that must be selected by name
    or class); or a name, a class (every component that is an instance), an explicit component,
    a container of components (an augmentation `keras.Sequential` mapped over a dataset: all
    its noise layers), or a list mixing these. Different schedules for different
    groups: pass a dict ``{selector: schedule}`` as `schedule` (with `layers=None`); a selector
    with several items is a tuple, and the key None stands for every noise component of the
    model that no other key selects. Names and classes are looked up in the model, in the
    components passed explicitly, and in the model's optimizer chain, so
    ``layers=kn.optimizers.GradientNoise`` schedules the gradient-noise `eta` (the optimizer is
    never part of the default selection). Selections are resolved when training begins; a name
    that matches nothing, a non-noise layer, or a component in two groups is an error listing
    the noise components found.

    **tf.data layers** live in the dataset pipeline, not in the model, so name them explicitly:
    ``cutout = kn.layers.Cutout(...); ds = ds.map(cutout); NoiseScheduler(s, layers=[cutout])``.
    A `tf.data` map reads the variable each time it runs, so a new strength reaches an already
    built iterator at the next element it *computes*. Elements already waiting in a buffer keep
    the old strength: an explicit `prefetch(n)` or `map(num_parallel_calls=...)` delays a change
    by up to its buffer size, and tf.data by default injects a small autotuned prefetch after
    the last map (turn it off with ``options.experimental_optimization.inject_prefetch = False``
    for an exact switch; distributed datasets also prefetch to each device). `fit` builds a fresh
    iterator per epoch, after `on_epoch_begin`, so per-epoch changes are exact there; only with
    `steps_per_epoch` on a repeated dataset does one iterator (and its buffers) span epochs.

    **Timing.** ``per="epoch"``: the schedule gets the epoch index (counting from
    `initial_epoch`) and the strengths are assigned at `on_epoch_begin`. ``per="step"``: the
    schedule gets the global step, the optimizer's `iterations` when `fit` starts (read once)
    plus the steps run since, counted on the host; strengths are assigned at
    `on_train_batch_begin` (once per `steps_per_execution` steps). An assignment is skipped when
    the schedule's value did not change, so constant stretches cost nothing.

    **Validation.** Values go through each component's `set_strength`, so a negative or NaN
    value fails at the first assignment with an error naming the component and the value (and
    the schedule and epoch or step).

    **Logs.** At each epoch end the current strength of every scheduled component is added to
    the epoch `logs` as ``"<component name>/<strength name>"`` (e.g. ``"jitter/stddev"``,
    ``"gradient_noise/eta"``), which `History`, `CSVLogger` and `TensorBoard` record. Callbacks
    see the keys only if they come after the `NoiseScheduler` in `callbacks=[...]`
    (`History` always does).

    Args:
        schedule: a `keras_noise.schedules.Schedule`, any function of the epoch or step that
            returns a float, or a dict mapping selectors to such schedules.
        layers: the selector (see above); must be None when `schedule` is a dict.
        per: "epoch" or "step", the unit of the schedule's argument.
        verbose: 0 (silent) or 1 (print the strengths when they change at an epoch start).

    Examples:
        >>> import keras, numpy as np, keras_noise as kn
        >>> model = keras.Sequential([keras.Input((4,)), kn.layers.Jitter(0.0, name="jitter"),
        ...                           keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> scheduler = kn.callbacks.NoiseScheduler(kn.schedules.Linear(0.0, 0.2, duration=2))
        >>> history = model.fit(np.zeros((8, 4)), np.zeros((8, 1)), epochs=3, verbose=0,
        ...                     callbacks=[scheduler])
        >>> [round(v, 2) for v in history.history["jitter/stddev"]]
        [0.0, 0.1, 0.2]
    """

    def __init__(
        self,
        schedule: Callable | Mapping[Any, Callable],
        *,
        layers: Any = None,
        per: str = "epoch",
        verbose: int = 0,
    ):
        super().__init__()
        self.per = check_choice("per", per, ("epoch", "step"))
        self.verbose = check_int("verbose", verbose, low=0, high=1)
        if isinstance(schedule, Mapping) and not _is_serialized_object(schedule):
            if layers is not None:
                raise invalid_value(
                    "layers",
                    "None when `schedule` is a dict (the dict's keys select the components)",
                    layers,
                )
            if not schedule:
                raise invalid_value("schedule", "a non-empty dict {selector: schedule}", {})
            self.groups = [
                (
                    _normalize_selector(selector, "schedule"),
                    _check_schedule(item, "schedule"),
                )
                for selector, item in schedule.items()
            ]
            self._dict_form = True
        else:
            self.groups = [
                (_normalize_selector(layers, "layers"), _check_schedule(schedule, "schedule"))
            ]
            self._dict_form = False
        self.assignments: list[_Assignment] = []
        self._step = 0
        self._last_batch = -1

    # ----------------------------------------------------------------------------- selection
    def resolve(self, model: keras.layers.Layer) -> list[_Assignment]:
        """Resolves the selectors against `model` and returns what will be assigned.

        Called by `on_train_begin`; call it yourself to check a selection before training.

        Raises:
            ValueError: for a selector that matches nothing or a non-noise layer, a component
                selected twice, or no noise component at all.
        """
        layers = layer_tree(model)
        in_model = [layer for layer in layers if is_noise_component(layer)]
        explicit = [
            component
            for selector, _ in self.groups
            for item in (selector or ())
            if not isinstance(item, (str, type))
            for component in _components_of(item)
        ]
        optimizers = [o for o in _optimizer_chain(model) if is_noise_component(o)]
        searchable = _unique(in_model + explicit + optimizers)
        found_text = ", ".join(_describe(c) for c in searchable) or "none"
        model_name = getattr(model, "name", type(model).__name__)
        argument = "schedule" if self._dict_form else "layers"

        assignments: list[_Assignment] = []
        owner: dict[int, Any] = {}
        # The default group (selector None) comes last: it takes what no other group selected.
        ordered = sorted(self.groups, key=lambda group: group[0] is None)
        for selector, schedule in ordered:
            if selector is None:
                by_default = [c for c in in_model if _scheduled_by_default(c)]
                if not by_default:
                    raise invalid_value(
                        argument,
                        f"a model with noise layers, but model '{model_name}' has none. "
                        "tf.data layers live outside the model: pass them with layers=[...]; "
                        "a model-level component (an AdversarialModel's epsilon) is selected "
                        "by name or class only",
                        None,
                    )
                selected = [c for c in by_default if id(c) not in owner]
            else:
                selected = []
                for item in selector:
                    selected += self._match(item, searchable, layers, found_text, model_name)
            for component in _unique(selected):
                if id(component) in owner:
                    raise invalid_value(
                        argument,
                        f"each component in one group only; {_describe(component)} is selected "
                        f"by both {_serialize_selector(owner[id(component)])!r} and "
                        f"{_serialize_selector(selector)!r}",
                        _serialize_selector(selector),
                    )
                owner[id(component)] = selector
                assignments.append(_Assignment(component, schedule, _strength_key(component)))
        _make_keys_unique(assignments)
        self.assignments = assignments
        return assignments

    def _match(self, item, searchable, layers, found_text, model_name) -> list:
        argument = "schedule" if self._dict_form else "layers"
        if not isinstance(item, (str, type)):
            return _components_of(item)
        if isinstance(item, str):
            matches = [c for c in searchable if getattr(c, "name", None) == item]
            if matches:
                return matches
            others = [layer for layer in layers if layer.name == item]
            if others:
                reason = (
                    f"{_describe(others[0])} is not a noise component (it has no `strength` "
                    "Keras variable and `set_strength` method)"
                )
            else:
                reason = f"no layer or optimizer named '{item}' in model '{model_name}'"
        else:
            matches = [c for c in searchable if isinstance(c, item)]
            if matches:
                return matches
            reason = f"no noise component of class {item.__name__} in model '{model_name}'"
        raise invalid_value(
            argument,
            f"{_SELECTOR_HELP}; {reason}. Noise components found: {found_text}",
            item if isinstance(item, str) else item.__name__,
        )

    def _refuse_served_components(self) -> None:
        """A per-step schedule cannot reach `tf.data` service workers: an error, not a no-op."""
        served = [a.component.name for a in self.assignments if is_served(a.component)]
        if served:
            raise ValueError(
                "Invalid value for `per`: expected 'epoch' for components that run on tf.data "
                f"service workers ({', '.join(served)}): `keras_noise.data.distribute` sends "
                "their strengths to the workers when an iterator starts (each epoch), so a "
                "per-step schedule would never reach them. Received: per='step'"
            )

    # ---------------------------------------------------------------------------- assigning
    def _assign(self, t: int, unit: str) -> bool:
        changed = False
        for assignment in self.assignments:
            value = schedules_module.evaluate(assignment.schedule, t)
            if assignment.last is not None and value == assignment.last:
                continue
            try:
                assignment.component.set_strength(value)
            except (ValueError, TypeError) as error:
                raise type(error)(
                    f"{error} (from NoiseScheduler schedule {assignment.schedule!r} at {unit} {t})"
                ) from error
            assignment.last = value
            changed = True
        return changed

    def on_train_begin(self, logs=None):
        self.resolve(self.model)
        if self.per == "step":
            self._refuse_served_components()
        for assignment in self.assignments:
            assignment.last = None
        if self.per == "step":
            iterations = getattr(getattr(self.model, "optimizer", None), "iterations", None)
            self._step = 0 if iterations is None else int(keras.ops.convert_to_numpy(iterations))
            self._last_batch = -1

    def on_epoch_begin(self, epoch, logs=None):
        if self.per == "epoch" and self._assign(epoch, "epoch") and self.verbose:
            values = ", ".join(f"{a.key}={a.last:g}" for a in self.assignments)
            print(f"\nEpoch {epoch + 1}: NoiseScheduler set {values}.")

    def on_train_batch_begin(self, batch, logs=None):
        if self.per == "step":
            self._last_batch = batch
            self._assign(self._step + batch, "step")

    def on_epoch_end(self, epoch, logs=None):
        if self.per == "step" and self._last_batch >= 0:
            steps = self._last_batch + (getattr(self.model, "steps_per_execution", 1) or 1)
            if self.params and self.params.get("steps"):
                steps = min(steps, self.params["steps"])
            self._step += steps
            self._last_batch = -1
        if logs is not None:
            for assignment in self.assignments:
                strength = assignment.component.strength
                logs[assignment.key] = float(keras.ops.convert_to_numpy(strength))

    # ------------------------------------------------------------------------ serialization
    def get_config(self) -> dict:
        """The callback's arguments; explicit components are stored by their names."""
        if self._dict_form:
            schedule = [
                {"layers": _serialize_selector(selector), "schedule": _serialize(item)}
                for selector, item in self.groups
            ]
            layers = None
        else:
            selector, item = self.groups[0]
            schedule, layers = _serialize(item), _serialize_selector(selector)
        return {"schedule": schedule, "layers": layers, "per": self.per, "verbose": self.verbose}

    @classmethod
    def from_config(cls, config: dict) -> NoiseScheduler:
        config = dict(config)
        schedule = config.pop("schedule")
        if isinstance(schedule, list):
            schedule = {
                _hashable(_deserialize_selector(group["layers"])): schedules_module.deserialize(
                    group["schedule"]
                )
                for group in schedule
            }
        else:
            schedule = schedules_module.deserialize(schedule)
        layers = _deserialize_selector(config.pop("layers", None))
        return cls(schedule, layers=layers, **config)


def _make_keys_unique(assignments: list[_Assignment]) -> None:
    counts: dict[str, int] = {}
    for assignment in assignments:
        base = assignment.key
        counts[base] = counts.get(base, 0) + 1
        if counts[base] > 1:
            assignment.key = f"{base}_{counts[base]}"
