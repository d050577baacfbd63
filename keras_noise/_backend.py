"""Checks, at import time, that keras-noise runs on Keras 3 with the TensorFlow backend.

keras-noise builds its random draws, `tf.data` integration and exports on TensorFlow. Failing at
import with an instruction beats failing later inside a traced graph.
"""

import os

_INSTALL_HINT = (
    "keras-noise needs TensorFlow. Install it with one of:\n"
    '  pip install "keras-noise[tensorflow-cpu]"   # CPU-only\n'
    '  pip install "keras-noise[tensorflow]"       # default TensorFlow build\n'
    '  pip install "keras-noise[gpu]"              # TensorFlow with CUDA'
)


def require_tensorflow_backend() -> None:
    """Raises a clear error unless TensorFlow is importable and Keras uses it as its backend.

    Raises:
        RuntimeError: if `KERAS_BACKEND` (or Keras' config file) selects another backend.
        ImportError: if TensorFlow is not installed.
    """
    requested = os.environ.get("KERAS_BACKEND")
    if requested not in (None, "", "tensorflow"):
        raise RuntimeError(
            "keras-noise runs on the TensorFlow backend of Keras 3, but the environment variable "
            f"KERAS_BACKEND is set to {requested!r}. Set KERAS_BACKEND=tensorflow (or unset it) "
            "before importing keras_noise."
        )
    try:
        import tensorflow  # noqa: F401
    except ImportError as error:
        raise ImportError(f"{_INSTALL_HINT}\n(Original error: {error})") from error

    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "keras-noise runs on the TensorFlow backend of Keras 3, but Keras is configured for "
            f"{keras.backend.backend()!r} (see ~/.keras/keras.json). Set KERAS_BACKEND=tensorflow "
            "before importing keras_noise."
        )
