"""A check shared by the tests of renamed keyword arguments (see keras_noise/_deprecation.py)."""

from __future__ import annotations

import keras
import numpy as np
import pytest


def check_renamed_keyword(cls, old: str, new: str, value, inputs, **kwargs) -> None:
    """`old=value` warns naming both names and builds the layer `new=value` builds.

    Also: giving both names is a ValueError naming both, and a config saved under the old key
    (0.1) loads into the same layer. The two layers share a name and seed, so their noise is
    compared draw for draw.
    """
    with pytest.warns(DeprecationWarning, match=rf"`{old}` of {cls.__name__}.*use `{new}`"):
        old_layer = cls(**{old: value}, **kwargs, name="renamed", seed=7)
    new_layer = cls(**{new: value}, **kwargs, name="renamed", seed=7)
    assert old_layer.get_config() == new_layer.get_config()
    keras.tree.map_structure(
        np.testing.assert_array_equal,
        old_layer(inputs, training=True),
        new_layer(inputs, training=True),
    )
    with pytest.raises(ValueError, match=rf"`{old}` is the deprecated name of `{new}`"):
        cls(**{old: value, new: value}, **kwargs)
    config = new_layer.get_config()
    del config[new]
    config[old] = value
    with pytest.warns(DeprecationWarning, match=rf"`{old}`"):
        loaded = cls.from_config(config)
    assert loaded.get_config() == new_layer.get_config()
