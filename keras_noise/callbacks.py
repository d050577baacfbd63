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
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import keras

from keras_noise import schedules as schedules_module
from keras_noise._validation import check_choice, check_int, invalid_type, invalid_value
from keras_noise.data.service import is_served

__all__ = ["NoiseScheduler", "find_noise_components", "is_noise_component"]

_SELECTOR_HELP = (
    "None (every noise layer of the model), a name, a class, a noise component instance, a "
    "layer or model holding noise components, or a list of these"
)


def is_noise_component(obj: Any) -> bool:
    """Whether `obj` follows the noise-component protocol.

    The protocol: a `strength` attribute that is a `keras.Variable` and a callable
    `set_strength(value)` that validates and assigns it. The name of the strength in logs comes
    from the optional `strength_name` attribute (default "strength").

    Example:
    >>> import keras, keras_noise as kn
    >>> is_noise_component(kn.layers.Jitter(stddev=0.1))
    True
    >>> is_noise_component(keras.layers.Dense(2))
    False
    """
    return isinstance(getattr(obj, "strength", None), keras.Variable) and callable(
        getattr(obj, "set_strength", None)
    )


def _child_layers(obj: Any) -> Iterator[keras.layers.Layer]:
    """The layers an object holds as attributes, directly or in lists, tuples and dicts."""
    for value in vars(obj).values():
        if isinstance(value, keras.layers.Layer):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if isinstance(item, keras.layers.Layer))
        elif isinstance(value, dict):
            yield from (item for item in value.values() if isinstance(item, keras.layers.Layer))


def _walk_layers(root: keras.layers.Layer) -> list[keras.layers.Layer]:
    """`root` and every layer under it (nested models, wrappers, sublayers), in order, once."""
    seen: set[int] = set()
    found: list[keras.layers.Layer] = []
    stack = [root]
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        found.append(layer)
        stack.extend(reversed(list(_child_layers(layer))))
    return found


def _optimizer_chain(model: keras.layers.Layer) -> list[Any]:
    """The model's optimizer and the optimizers it wraps (`inner_optimizer` attributes)."""
    chain = []
    optimizer = getattr(model, "optimizer", None)
    while optimizer is not None and all(optimizer is not o for o in chain):
        chain.append(optimizer)
        optimizer = getattr(optimizer, "inner_optimizer", None)
    return chain


def find_noise_components(model: keras.layers.Layer) -> list[Any]:
    """Every noise component in `model`: the model itself, nested models, wrappers and sublayers.

    The model's optimizer is not included (see `NoiseScheduler` for how to select it).

    Args:
        model: a Keras model or layer.

    Returns:
        The components, each once, in depth-first order.

    Example:
    >>> import keras, keras_noise as kn
    >>> inner = keras.Sequential([kn.layers.Jitter(0.1, name="j2")], name="inner")
    >>> model = keras.Sequential([keras.Input((3,)), kn.layers.Jitter(0.1, name="j1"), inner])
    >>> [c.name for c in find_noise_components(model)]
    ['j1', 'j2']
    """
    return [layer for layer in _walk_layers(model) if is_noise_component(layer)]


def _strength_key(component: Any) -> str:
    return f"{component.name}/{getattr(component, 'strength_name', 'strength')}"


def _describe(obj: Any) -> str:
    return f"'{getattr(obj, 'name', obj)}' ({type(obj).__name__})"


def _normalize_selector(selector: Any, argument: str) -> tuple | None:
    """Checks a selector and returns it as a tuple of items (str, class, component), or None."""
    if selector is None:
        return None
    items = tuple(selector) if isinstance(selector, (list, tuple)) else (selector,)
    if not items:
        raise invalid_value(argument, _SELECTOR_HELP + " (not an empty list)", selector)
    for item in items:
        if isinstance(item, (str, type)):
            continue
        if not is_noise_component(item) and not _components_of(item):
            raise invalid_value(
                argument,
                f"{_SELECTOR_HELP}; {_describe(item)} is not a noise component (it has no "
                "`strength` Keras variable and `set_strength` method) and holds none",
                selector,
            )
    return items


def _components_of(item: Any) -> list[Any]:
    """`[item]` for a noise component; the components a container (a Sequential...) holds."""
    if is_noise_component(item):
        return [item]
    if isinstance(item, keras.layers.Layer):
        return find_noise_components(item)
    return []


def _scheduled_by_default(component: Any) -> bool:
    """Whether the default selection takes `component`: noise layers, not a model-level one.

    The adversarial training wrapper's epsilon is an attack radius: select it by name or class.
    """
    return not isinstance(component, keras.Model)


def _check_schedule(schedule: Any, argument: str) -> Callable:
    if isinstance(schedule, dict):
        schedule = schedules_module.deserialize(schedule)
    if not callable(schedule):
        raise invalid_type(
            argument,
            "a keras_noise.schedules.Schedule or a function of the epoch or step",
            schedule,
        )
    return schedule


def _serialize_item(item: Any) -> Any:
    if isinstance(item, type):
        return {"class": keras.saving.get_registered_name(item)}
    if isinstance(item, str):
        return item
    return item.name  # explicit components are stored by name


def _serialize_selector(selector: tuple | None) -> Any:
    if selector is None:
        return None
    items = [_serialize_item(item) for item in selector]
    return items[0] if len(items) == 1 else items


def _deserialize_item(item: Any) -> Any:
    if isinstance(item, dict) and set(item) == {"class"}:
        cls = keras.saving.get_registered_object(item["class"])
        if cls is None:
            raise invalid_value("layers", "a registered Keras class", item["class"])
        return cls
    return item


def _deserialize_selector(config: Any) -> Any:
    if config is None:
        return None
    if isinstance(config, list):
        return tuple(_deserialize_item(item) for item in config)
    return _deserialize_item(config)


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

    Example:
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
        layers = _walk_layers(model)
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


def _is_serialized_object(value: Mapping) -> bool:
    return "class_name" in value and "config" in value


def _serialize(schedule: Callable) -> Any:
    return keras.saving.serialize_keras_object(schedule)


def _hashable(selector: Any) -> Any:
    return tuple(selector) if isinstance(selector, list) else selector


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    unique = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            unique.append(item)
    return unique


def _make_keys_unique(assignments: list[_Assignment]) -> None:
    counts: dict[str, int] = {}
    for assignment in assignments:
        base = assignment.key
        counts[base] = counts.get(base, 0) + 1
        if counts[base] > 1:
            assignment.key = f"{base}_{counts[base]}"
