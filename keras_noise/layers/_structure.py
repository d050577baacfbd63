"""Parsing of `tf.data` elements: a tensor, `(x, y)`, `(x, y, sample_weight)` or a dict.

`ds.map(layer)` unpacks tuple elements into positional arguments, so a layer mapped over
`(x, y)` batches is called as `layer(x, y)`. Layers parse what they receive into a `DataElement`,
work on its parts, and `DataElement.rebuild` returns the user's structure with the parts replaced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

FEATURE_KEYS = ("images", "inputs", "features", "audio", "token_ids", "x")
LABEL_KEYS = ("labels", "y")
SAMPLE_WEIGHT_KEYS = ("sample_weight", "sample_weights")


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


def _find_key(element: dict, keys: Sequence[str]) -> str | None:
    return next((key for key in keys if key in element), None)


def parse_element(
    args: tuple,
    *,
    layer_name: str,
    feature_keys: Sequence[str] = FEATURE_KEYS,
    label_keys: Sequence[str] = LABEL_KEYS,
    sample_weight_keys: Sequence[str] = SAMPLE_WEIGHT_KEYS,
) -> DataElement:
    """Parses the positional arguments of a layer call into a `DataElement`.

    Args:
        args: the positional arguments the layer received.
        layer_name: the layer's name, for error messages.
        feature_keys: dict keys that hold the features, the first one present wins.
        label_keys: dict keys that hold the labels.
        sample_weight_keys: dict keys that hold the sample weights.

    Returns:
        The parsed element.

    Raises:
        ValueError: for a tuple of the wrong length or a dict without a features key.
    """
    if len(args) == 1 and isinstance(args[0], tuple):
        args = args[0]
    if len(args) == 1 and isinstance(args[0], dict):
        return _parse_dict(args[0], layer_name, feature_keys, label_keys, sample_weight_keys)
    if len(args) == 1:
        return DataElement(args[0], None, None, False, lambda x, y, w: x)
    if len(args) == 2:
        return DataElement(args[0], args[1], None, True, lambda x, y, w: (x, y))
    if len(args) == 3:
        return DataElement(args[0], args[1], args[2], True, lambda x, y, w: (x, y, w))
    raise ValueError(
        f"Layer '{layer_name}' expected a tensor, (x, y), (x, y, sample_weight) or a dict. "
        f"Received {len(args)} positional arguments."
    )


def _parse_dict(element, layer_name, feature_keys, label_keys, sample_weight_keys) -> DataElement:
    feature_key = _find_key(element, feature_keys)
    if feature_key is None:
        raise ValueError(
            f"Layer '{layer_name}' received a dict without a features key: expected one of "
            f"{list(feature_keys)}. Received keys: {sorted(element)}"
        )
    label_key = _find_key(element, label_keys)
    weight_key = _find_key(element, sample_weight_keys)

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
        element.get(label_key) if label_key else None,
        element.get(weight_key) if weight_key else None,
        True,
        pack,
    )
