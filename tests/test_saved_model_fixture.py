"""The committed `saved_models/digits_classifier/` still loads, serves and verifies.

The check runs in a fresh Python process, as a server would: it loads the SavedModel with
TensorFlow alone (no keras-noise, no Keras model code) and compares the serving outputs with the
`expected_outputs.npz` written at export; then it runs `verify_noise_free` and the TFLite
interpreter on the committed flatbuffer. If this fails after a change, old exports broke.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "saved_models" / "digits_classifier"

CHECK = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf

    path = sys.argv[1]
    expected = np.load(path + "/expected_outputs.npz")
    loaded = tf.saved_model.load(path)
    serving = loaded.signatures["serving_default"]
    (served,) = serving(digits=tf.constant(expected["inputs"])).values()
    served = served.numpy()
    endpoint = loaded.serve(expected["inputs"]).numpy()
    plain_tf = "keras_noise" not in sys.modules

    from keras_noise.export import run_tflite, verify_noise_free

    result = verify_noise_free(path, inputs=expected["inputs"])
    lite = run_tflite(path + "/model.tflite", {"digits": expected["inputs"]})
    (lite,) = lite.values()
    print(json.dumps({
        "plain_tf": plain_tf,
        "serve_vs_expected": float(np.max(np.abs(served - expected["outputs"]))),
        "endpoint_vs_expected": float(np.max(np.abs(endpoint - expected["outputs"]))),
        "tflite_vs_expected": float(np.max(np.abs(lite - expected["outputs"]))),
        "accuracy": float(np.mean(np.argmax(served, -1) == expected["labels"])),
        "verified": result.ok,
        "summary": result.summary(),
    }))
    """
)


def test_committed_saved_model_loads_serves_and_verifies_in_a_fresh_process():
    assert (FIXTURE / "saved_model.pb").exists(), "the committed fixture is missing"
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(FIXTURE)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["plain_tf"], "loading the SavedModel must not need keras-noise"
    assert report["verified"], report["summary"]
    assert report["serve_vs_expected"] <= 1e-5
    assert report["endpoint_vs_expected"] <= 1e-5
    assert report["tflite_vs_expected"] <= 1e-4
    assert report["accuracy"] >= 0.75  # a trained classifier, not random weights
