"""Parsing of `tf.data` elements: a tensor, `(x, y)`, `(x, y, sample_weight)` or a dict.

`ds.map(layer)` unpacks tuple elements into positional arguments, so a layer mapped over
`(x, y)` batches is called as `layer(x, y)`. Layers parse what they receive into a `DataElement`,
work on its parts, and `DataElement.rebuild` returns the user's structure with the parts replaced.

Dict elements: the features, labels and sample weights are found under the keys `key_map` names,
else under the usual keys of Keras, KerasCV and TensorFlow Datasets (`DEFAULT_KEYS`: "images" or
"image", "labels" or "label"...). In `(features, y)` elements whose features are a dict (several
model inputs, `make_csv_dataset`), the noise goes to the one entry `key_map["features"]` (or a
usual key) names; the other inputs pass through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from keras_noise._validation import invalid_value

KEY_ROLES = ("features", "labels", "sample_weight")
DEFAULT_KEYS = {
    "features": (
        "images",
        "image",
        "inputs",
        "features",
        "audio",
        "spectrogram",
        "text",
        "token_ids",
        "x",
    ),
    "labels": ("labels", "label", "y"),
    "sample_weight": ("sample_weight", "sample_weights"),
}


def check_key_map(value: Any) -> dict[str, str] | None:
    """Returns a copy of `key_map` after checking it maps roles to dict keys.

    Examples:
        >>> check_key_map({"features": "image", "labels": "label"})
        {'features': 'image', 'labels': 'label'}
        >>> check_key_map({"image": "x"})
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `key_map`: expected None or a dict ... key_map={'image': 'x'}
    """
    if value is None:
        return None
    expected = "None or a dict from 'features', 'labels' and/or 'sample_weight' to string keys"
    if not isinstance(value, Mapping) or not value:
        raise invalid_value("key_map", expected, value)
    for role, key in value.items():
        if role not in KEY_ROLES or not isinstance(key, str):
            raise invalid_value("key_map", expected, value)
    return dict(value)


@dataclasses.dataclass(frozen=True)
class DataElement:
    """The parts of one `tf.data` element, and a function that puts them back in their structure.

    Attributes:
        features: the model inputs (the part that noise is applied to).
        labels: the targets, or None when the element has none.
        sample_weight: the sample weights, or None.
        structured: False when the element was a bare tensor.
    """

    features: Any
    labels: Any
    sample_weight: Any
    structured: bool
    _pack: Callable[[Any, Any, Any], Any]

    def rebuild(self, features: Any, labels: Any = None, sample_weight: Any = None) -> Any:
        """Returns the original structure with `features` (and given labels/weights) replaced."""
        return self._pack(
            features,
            self.labels if labels is None else labels,
            self.sample_weight if sample_weight is None else sample_weight,
        )


def _keys(key_map: Mapping[str, str] | None, role: str) -> tuple[str, ...]:
    if key_map and role in key_map:
        return (key_map[role],)
    return DEFAULT_KEYS[role]


def _find_key(element: Mapping, role: str, key_map, layer_name: str) -> str | None:
    """The one key of `element` that holds `role`; an error if several usual keys are present."""
    found = [key for key in _keys(key_map, role) if key in element]
    if len(found) > 1:
        raise ValueError(
            f"Layer '{layer_name}' received a dict with several possible {role} keys {found}: "
            f"name the one to use with key_map={{'{role}': '{found[0]}'}}. "
            f"Received keys: {sorted(element)}"
        )
    return found[0] if found else None


def parse_element(
    args: tuple, *, layer_name: str, key_map: Mapping[str, str] | None = None
) -> DataElement:
    """Parses the positional arguments of a layer call into a `DataElement`.

    Args:
        args: the positional arguments the layer received.
        layer_name: the layer's name, for error messages.
        key_map: the layer's `key_map` (see the module docstring), or None.

    Returns:
        The parsed element.

    Raises:
        ValueError: for a tuple of the wrong length, a dict without a features key, or a dict
            of features without the entry to use.
    """
    if len(args) == 1 and isinstance(args[0], tuple):
        args = args[0]
    if len(args) == 1 and isinstance(args[0], Mapping):
        return _parse_dict(args[0], layer_name, key_map)
    if len(args) == 1:
        return DataElement(args[0], None, None, False, lambda x, y, w: x)
    if len(args) not in (2, 3):
        raise ValueError(
            f"Layer '{layer_name}' expected a tensor, (x, y), (x, y, sample_weight) or a dict. "
            f"Received {len(args)} positional arguments."
        )
    labels = args[1]
    weights = args[2] if len(args) == 3 else None

    def pack_tuple(x, y, w):
        return (x, y) if len(args) == 2 else (x, y, w)

    if not isinstance(args[0], Mapping):
        return DataElement(args[0], labels, weights, True, pack_tuple)
    inputs = args[0]
    key = _find_key(inputs, "features", key_map, layer_name)
    if key is None and len(inputs) == 1 and not (key_map and "features" in key_map):
        key = next(iter(inputs))  # the one model input
    if key is None:
        raise ValueError(
            f"Layer '{layer_name}' received (features, labels) whose features are a dict of "
            f"model inputs with keys {sorted(inputs)}, and does not know which input to apply "
            "its noise to: name it with key_map={'features': '<key>'} (one input per layer; "
            "use one layer per input), or put the layer inside the model after that input. "
            f"Usual keys it looks for: {list(DEFAULT_KEYS['features'])}"
        )

    def pack_inputs(x, y, w):
        return pack_tuple({**inputs, key: x}, y, w)

    return DataElement(inputs[key], labels, weights, True, pack_inputs)


def _parse_dict(element: Mapping, layer_name: str, key_map) -> DataElement:
    feature_key = _find_key(element, "features", key_map, layer_name)
    if feature_key is None:
        raise ValueError(
            f"Layer '{layer_name}' received a dict without a features key: expected one of "
            f"{list(_keys(key_map, 'features'))}, or name yours with key_map={{'features': "
            f"'<key>', 'labels': '<key>'}}. Received keys: {sorted(element)}"
        )
    label_key = _find_key(element, "labels", key_map, layer_name)
    weight_key = _find_key(element, "sample_weight", key_map, layer_name)

    def pack(features, labels, sample_weight):
        rebuilt = dict(element)
        rebuilt[feature_key] = features
        if label_key is not None:
            rebuilt[label_key] = labels
        if weight_key is not None:
            rebuilt[weight_key] = sample_weight
        return rebuilt

    return DataElement(
        element[feature_key],
        element[label_key] if label_key else None,
        element[weight_key] if weight_key else None,
        True,
        pack,
    )


def keys_for(key_map: Mapping[str, str] | None, role: str) -> Sequence[str]:
    """The dict keys looked up for `role` ("features", "labels", "sample_weight")."""
    return _keys(key_map, role)
