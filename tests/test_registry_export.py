"""Every registered layer: `model.export()` serves the inference output, with no noise."""

import numpy as np
import tensorflow as tf
from registry import params


@params()
def test_exported_serving_output_equals_inference(case, tmp_path):
    model = case.model(case.layer())
    # A model holds trainable weights; `model.export()` calls it with training=None, which is
    # inference for a model. (A bare augmentation block keeps its noise by the training rule:
    # tests/test_composition.py.) One unused trainable scalar makes the case's block a model.
    model.add_weight(shape=(), initializer="zeros", trainable=True, name="model_weight")
    x = case.inputs()
    path = str(tmp_path / "exported")
    model.export(path, format="tf_saved_model", verbose=False)
    loaded = tf.saved_model.load(path)  # keep a reference: it owns the variables `serve` reads
    serve = loaded.serve
    expected = model(x, training=False)
    feed = tf.nest.map_structure(tf.constant, x)  # batch cases feed a dict element
    for served in (serve(feed), serve(feed)):
        tf.nest.map_structure(np.testing.assert_array_equal, served, expected)
