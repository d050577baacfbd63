"""Every Keras/TensorFlow internal keras-noise reads exists here, and fails loudly when it is gone.

For each accessor of `keras_noise._keras_compat`: it works in the installed versions (with a
check of what it returns), and removing the internal (monkeypatch) raises `MissingInternalError`
naming the internal and the installed versions, instead of falling back silently.
"""

import inspect
import pathlib
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras.src.export import export_utils
from keras.src.layers import layer as keras_layer
from keras.src.models import functional
from tensorflow.python.ops import control_flow_util, random_ops_util

import keras_noise as kn
from keras_noise import _keras_compat as compat
from keras_noise._keras_compat import MissingInternalError


def _assert_names(info, internal):
    message = str(info.value)
    assert f"internal `{internal}`" in message
    assert f"Keras {keras.__version__} / TensorFlow {tf.__version__}" in message
    assert compat.TESTED_WITH in message


def test_in_xla_context(monkeypatch):
    seen = {}

    def probe(key):
        seen[key] = compat.in_xla_context()
        return tf.constant(0)

    tf.function(lambda: probe("xla"), jit_compile=True)()
    tf.function(lambda: probe("graph"))()
    assert seen == {"xla": True, "graph": False}
    monkeypatch.delattr(control_flow_util, "GraphOrParentsInXlaContext")
    with pytest.raises(MissingInternalError) as info:
        compat.in_xla_context()
    _assert_names(info, "tensorflow.python.ops.control_flow_util.GraphOrParentsInXlaContext")


def test_xla_philox_key_counter(monkeypatch):
    seed = tf.constant([3, 9], tf.int64)
    key, counter = compat.xla_philox_key_counter(seed)
    want_key, want_counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
    np.testing.assert_array_equal(key, want_key)  # the same scramble as the one-kernel path
    np.testing.assert_array_equal(counter, want_counter)
    monkeypatch.delattr(random_ops_util, "get_key_counter_alg")
    with pytest.raises(MissingInternalError) as info:
        compat.xla_philox_key_counter(seed)
    _assert_names(info, "tensorflow.python.ops.random_ops_util.get_key_counter_alg")

    # ...and an integer draw under XLA, which uses it, fails loudly too (no silent slow path;
    # float draws under XLA come from the counter hash and do not use it).
    def integer_draw():
        return kn.ops.uniform((2,), seed, dtype=tf.int32, minval=0, maxval=10)

    with pytest.raises(MissingInternalError):
        tf.function(integer_draw, jit_compile=True, autograph=False)()


class _Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


def test_is_functional(monkeypatch):
    inputs = keras.Input((3,))
    assert compat.is_functional(keras.Model(inputs, keras.layers.Dense(1)(inputs)))
    assert not compat.is_functional(_Subclassed())
    monkeypatch.delattr(functional, "Functional")
    with pytest.raises(MissingInternalError) as info:
        compat.is_functional(_Subclassed())
    _assert_names(info, "keras.src.models.functional.Functional")


def test_recorded_input_signature(monkeypatch):
    model = _Subclassed()
    assert compat.recorded_input_signature(model) is None  # never called: nothing recorded
    model(np.ones((2, 3), "float32"))
    (spec,) = compat.recorded_input_signature(model)
    assert tuple(spec.shape) == (None, 3)
    monkeypatch.delattr(export_utils, "get_input_signature")
    with pytest.raises(MissingInternalError) as info:
        compat.recorded_input_signature(model)
    _assert_names(info, "keras.src.export.export_utils.get_input_signature")


def test_layer_tree(monkeypatch):
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="leaf")], name="inner")
    outer = keras.Sequential([keras.Input((3,)), inner], name="outer")
    names = [layer.name for layer in compat.layer_tree(outer)]
    assert [name for name in names if not name.startswith("input_layer")] == [
        "outer",
        "inner",
        "leaf",
    ]
    monkeypatch.delattr(keras_layer.Layer, "_flatten_layers")
    with pytest.raises(MissingInternalError) as info:
        compat.layer_tree(outer)
    _assert_names(info, "Layer._flatten_layers")
    with pytest.raises(MissingInternalError):  # its users fail loudly too
        kn.uncertainty.stochastic_layers(outer)


def test_disable_input_conversion():
    # Keras' Layer.__call__ still consumes the flag, and a batch layer sets it.
    assert "self._convert_input_args" in inspect.getsource(keras.layers.Layer.__call__)
    assert kn.layers.MixUp(alpha=0.2)._convert_input_args is False
    layer = keras.layers.Layer()
    compat.disable_input_conversion(layer)
    assert layer._convert_input_args is False
    renamed = keras.layers.Layer()
    del renamed._convert_input_args  # what a Keras that renamed the flag would leave
    with pytest.raises(MissingInternalError) as info:
        compat.disable_input_conversion(renamed)
    _assert_names(info, "Layer._convert_input_args")


def test_no_internal_is_read_outside_the_compat_module():
    package = pathlib.Path(kn.__file__).parent
    pattern = re.compile(
        r"keras\.src|tensorflow\.python|\._flatten_layers|_convert_input_args\b|_variant_tensor"
    )
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "_keras_compat.py" and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_pyproject_declares_the_tested_versions_as_minimums():
    text = (pathlib.Path(kn.__file__).parent.parent / "pyproject.toml").read_text()
    keras_min = re.search(r'"keras>=([\d.]+)"', text).group(1)
    tf_mins = set(re.findall(r'"tensorflow(?:-cpu|\[and-cuda\])?>=([\d.]+)"', text))
    assert f"Keras {keras_min} and TensorFlow {tf_mins.pop()}" == compat.TESTED_WITH
    assert not tf_mins  # one TensorFlow minimum for every extra
    installed = tuple(int(part) for part in keras.__version__.split(".")[:2])
    assert installed >= tuple(int(part) for part in keras_min.split("."))


def test_call_context_entry_layer(monkeypatch):
    from keras.src.backend.common import global_state

    seen = {}

    class Probe(keras.layers.Layer):
        def call(self, x):
            seen["entry"] = compat.call_context_entry_layer()
            return x

    probe = Probe()
    block = keras.Sequential([probe])
    block(np.ones((1, 2), "float32"))
    assert seen["entry"] is block
    assert compat.call_context_entry_layer() is None  # no layer call is running
    monkeypatch.delattr(global_state, "get_global_attribute")
    with pytest.raises(MissingInternalError) as info:
        compat.call_context_entry_layer()
    _assert_names(info, "keras.src.backend.common.global_state.get_global_attribute")


def test_created_trainable_variables():
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    dense.trainable = False  # freezing empties trainable_weights, not what the layer created
    assert dense.trainable_weights == []
    assert len(compat.created_trainable_variables(dense)) == 2
    renamed = keras.layers.Dense(2)
    del renamed._trainable_variables  # what a Keras that renamed the list would leave
    with pytest.raises(MissingInternalError) as info:
        compat.created_trainable_variables(renamed)
    _assert_names(info, "Layer._trainable_variables")


def test_is_keras_data_layer(monkeypatch):
    from keras.src.layers.preprocessing import data_layer

    assert compat.is_keras_data_layer(keras.layers.Rescaling(0.5))
    assert not compat.is_keras_data_layer(keras.layers.Dense(2))
    monkeypatch.delattr(data_layer, "DataLayer")
    with pytest.raises(MissingInternalError) as info:
        compat.is_keras_data_layer(keras.layers.Rescaling(0.5))
    _assert_names(info, "keras.src.layers.preprocessing.data_layer.DataLayer")


def test_dataset_graph(monkeypatch):
    dataset = tf.data.Dataset.range(3).map(lambda x: x + 1)
    graph = compat.dataset_graph(dataset)
    ops = {node.op for node in graph.node} | {
        node.op for function in graph.library.function for node in function.node_def
    }
    assert {"RangeDataset", "MapDataset", "AddV2"} <= ops
    monkeypatch.delattr(tf.data.Dataset, "_variant_tensor")
    with pytest.raises(MissingInternalError) as info:
        compat.dataset_graph(dataset)
    _assert_names(info, "tf.data.Dataset._variant_tensor")
