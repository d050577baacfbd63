"""Monte-Carlo dropout prediction: mean, std, predictive entropy and mutual information (BALD).

`model(x, training=True)`, the usual way to sample a dropout network at test time, also switches
BatchNormalization to batch statistics (and updates its moving averages) and turns on any other
training-only behaviour. `predict_mc` instead runs the model in inference mode inside
`sampling_mode`, where only the stochastic layers sample:

* keras-noise in-model layers (`MCDropout`, `ActivationNoise`, `DropPath`, `WeightNoise`,
  `DropConnect`: every `NoiseLayer` with `mc_sampling = True`);
* Keras' own dropout layers (`Dropout`, `SpatialDropout1D/2D/3D`, `GaussianDropout`,
  `AlphaDropout`), which are run through their training path.

Everything else (BatchNormalization, input-noise and preprocessing layers, ...) stays in inference
mode and no variable is updated.

Samples are batched: each step stacks `samples` copies of a batch of examples (sample-major) and
runs the model once on `samples * batch_size` rows, inside one traced function, then reduces over
the samples in the same graph, so only the summaries leave the device.
"""

from keras_noise.uncertainty.metrics import mutual_information, predictive_entropy
from keras_noise.uncertainty.predict import MCPrediction, predict_mc
from keras_noise.uncertainty.sampling import (  # noqa: F401  (KERAS_DROPOUT_LAYERS: as before)
    KERAS_DROPOUT_LAYERS,
    sampling_mode,
    stochastic_layers,
)

__all__ = [
    "MCPrediction",
    "mutual_information",
    "predict_mc",
    "predictive_entropy",
    "sampling_mode",
    "stochastic_layers",
]
