"""Small tasks and probes shared by the kn.tuning tests."""

import keras
import numpy as np

import keras_noise as kn

NUM_CLASSES = 4


def blobs(n, seed):
    """Four well separated Gaussian blobs in 6 dimensions: easy to learn without noise."""
    rng = np.random.default_rng(seed)
    centers = np.eye(NUM_CLASSES, 6, dtype="float32") * 3.0
    y = np.arange(n) % NUM_CLASSES
    x = centers[y] + rng.normal(scale=0.6, size=(n, 6)).astype("float32")
    return x.astype("float32"), y.astype("int32")


TRAIN, VAL = blobs(192, 0), blobs(96, 1)


class Counts:
    """Trace counts by layer id (a plain object: Keras would copy a dict set on a layer)."""

    def __init__(self):
        self.by_layer = {}


class TraceCounter(keras.layers.Layer):
    """Identity; counts how many times its `call` runs in Python (once per trace)."""

    def __init__(self, counts, **kwargs):
        super().__init__(**kwargs)
        self.counts = counts

    def call(self, inputs):
        self.counts.by_layer[id(self)] = self.counts.by_layer.get(id(self), 0) + 1
        return inputs


def mlp(*noise, counts=None, optimizer=None):
    extra = [TraceCounter(counts)] if counts is not None else []
    model = keras.Sequential(
        [
            keras.Input((6,)),
            *noise,
            *extra,
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(
        optimizer or keras.optimizers.Adam(1e-2),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def jitter_mlp(**kwargs):
    return mlp(kn.layers.Jitter(stddev=0.0, seed=0, name="jitter"), **kwargs)


class Recorder(keras.callbacks.Callback):
    """Records, at the start and end of every fit, what the tests check."""

    def __init__(self):
        super().__init__()
        self.begins, self.ends = [], []

    def on_train_begin(self, logs=None):
        model = self.model
        self.begins.append(
            {
                "model": id(model),
                "weights": [np.array(w) for w in model.trainable_weights],
                "seed_states": [
                    np.array(v) for v in model.non_trainable_variables if "seed" in v.path
                ],
                "optimizer": [np.array(v) for v in model.optimizer.variables],
                "iterations": int(model.optimizer.iterations),
                "strengths": {
                    c.name: float(c.strength.numpy())
                    for c in kn.callbacks.find_noise_components(model)
                },
            }
        )

    def on_train_end(self, logs=None):
        counters = [layer for layer in self.model.layers if isinstance(layer, TraceCounter)]
        self.ends.append(
            {
                "model": id(self.model),
                "train_function": id(self.model.train_function),
                "traces": [layer.counts.by_layer[id(layer)] for layer in counters],
            }
        )
