"""Every registered layer: `model.export()` serves the inference output, with no noise."""

import numpy as np
import tensorflow as tf
from registry import params


@params()
def test_exported_serving_output_equals_inference(case, tmp_path):
    model = case.model(case.layer())
    x = case.inputs()
    path = str(tmp_path / "exported")
    model.export(path, format="tf_saved_model", verbose=False)
    serve = tf.saved_model.load(path).serve
    expected = np.asarray(model(x, training=False))
    first, second = np.asarray(serve(tf.constant(x))), np.asarray(serve(tf.constant(x)))
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second, expected)
