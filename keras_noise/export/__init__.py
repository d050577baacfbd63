"""Noise-free export: strip noise from a model, export a SavedModel (and TFLite), verify it.

* `strip_noise(model)`: the same model without its noise layers (see `KERAS_NOISE_LAYER_NAMES`
  for the Keras layers removed alongside keras-noise's), with the same weights.
* `export_noise_free(model, path)`: strip, export a SavedModel with a ``serve`` signature, verify
  it, optionally write TFLite and `.keras` files; returns an `ExportReport`.
* `verify_noise_free(path)`: no random op (`RANDOM_OP_TYPES`) in any graph of the SavedModel,
  bit-identical repeated calls, optionally equal to a reference model. Also on the command line:
  ``keras-noise verify PATH``.
"""

from keras_noise.export.noise_layers import (
    KERAS_NOISE_LAYER_NAMES,
    KERAS_REPLACED_LAYERS,
    inference_form,
    is_noise_layer,
)
from keras_noise.export.random_ops import RANDOM_OP_TYPES, find_random_ops
from keras_noise.export.saved_model import ExportReport, NoiseFreeExportError, export_noise_free
from keras_noise.export.strip import strip_noise
from keras_noise.export.tflite import convert_to_tflite, run_tflite
from keras_noise.export.verify import VerificationResult, verify_noise_free

__all__ = [
    "KERAS_NOISE_LAYER_NAMES",
    "KERAS_REPLACED_LAYERS",
    "RANDOM_OP_TYPES",
    "ExportReport",
    "NoiseFreeExportError",
    "VerificationResult",
    "convert_to_tflite",
    "export_noise_free",
    "find_random_ops",
    "inference_form",
    "is_noise_layer",
    "run_tflite",
    "strip_noise",
    "verify_noise_free",
]
