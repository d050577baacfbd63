"""In-model noise: train-step overhead on the small CNN, with and without XLA, and predict_mc.

Each train-step group times the Conv32-Conv64-[noise]-Flatten-Dense10 model (32x32x3, batch 128)
without noise and with in-model layers at the noise position (the wrappers wrap the Dense10 right
after it), with Keras' GaussianNoise, Dropout and GaussianDropout as peers. Groups are small so
that each layer is timed right next to the model without noise (the machine is shared and drifts).
The activation-noise and dropout groups also time the floor of any noise there: the same model
with one elementwise op at the noise position and no draw (`x + 0.1`, whose gradient is the
identity as additive noise's is; `x * 1.1`, whose gradient is a multiply as dropout's is).
Under XLA, Keras' random layers take ~20x a step, so they get a group of their own. The
predict_mc group times 30 Monte-Carlo samples against one plain `predict` of the same images.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

import keras_noise as kn
from benchmarks.harness import Candidate, Group, Target
from benchmarks.models import BATCH, IMAGE_SHAPE, fixed_batch, small_cnn, train_step_candidate

RATE = 0.3
STDDEV = 0.1
MC_SAMPLES = 30


def _cnn_with_wrapped_head(wrap: Callable[[keras.layers.Layer], keras.layers.Layer]):
    """The small CNN with its Dense10 wrapped (DropConnect, WeightNoise): same init as small_cnn."""

    def build() -> keras.Model:
        model = small_cnn(None)  # seeds Keras' RNG and builds the reference layers in order
        conv1, conv2, flatten, dense = model.layers
        return keras.Sequential([keras.Input(IMAGE_SHAPE), conv1, conv2, flatten, wrap(dense)])

    return build


class NoDraw(keras.layers.Layer):
    """`x + 0.1` or `x * 1.1`: one elementwise op each way, as a noise layer has, no draw."""

    def __init__(self, op: str, **kwargs):
        super().__init__(**kwargs)
        self.op = op

    def call(self, inputs):
        return inputs + 0.1 if self.op == "add" else inputs * 1.1


def _wrapped_head(wrapper: str) -> Callable[[], keras.Model]:
    if wrapper == "DropConnect":
        return _cnn_with_wrapped_head(lambda d: kn.layers.DropConnect(d, rate=RATE, seed=0))
    return _cnn_with_wrapped_head(lambda d: kn.layers.WeightNoise(d, stddev=STDDEV, seed=0))


# label -> model builder; each group times its candidates next to "no noise", back to back.
MODELS: dict[str, Callable[[], keras.Model]] = {
    "no noise": lambda: small_cnn(None),
    "kn.ActivationNoise": lambda: small_cnn(kn.layers.ActivationNoise(STDDEV, seed=0)),
    "kn.MCDropout": lambda: small_cnn(kn.layers.MCDropout(RATE, seed=0)),
    "kn.DropConnect": _wrapped_head("DropConnect"),
    "kn.WeightNoise": _wrapped_head("WeightNoise"),
    "kn.DropPath": lambda: small_cnn(kn.layers.DropPath(RATE, seed=0)),
    "x + 0.1, no draw": lambda: small_cnn(NoDraw("add")),
    "x * 1.1, no draw": lambda: small_cnn(NoDraw("multiply")),
    "keras GaussianNoise": lambda: small_cnn(keras.layers.GaussianNoise(STDDEV, seed=0)),
    "keras Dropout": lambda: small_cnn(keras.layers.Dropout(RATE, seed=0)),
    "keras GaussianDropout": lambda: small_cnn(keras.layers.GaussianDropout(RATE, seed=0)),
}

GROUPS = {
    "activation noise": [
        "kn.ActivationNoise",
        "x + 0.1, no draw",
        "keras GaussianNoise",
        "keras GaussianDropout",
    ],
    "dropout": ["kn.MCDropout", "x * 1.1, no draw", "keras Dropout"],
    "weight noise": ["kn.DropConnect", "kn.WeightNoise"],
    "stochastic depth": ["kn.DropPath"],
}
TARGETED = ("kn.ActivationNoise", "kn.DropConnect", "kn.MCDropout")
# Keras' random layers cost ~20x a step under XLA on CPU: timed in a group of their own.
KERAS_PEERS = ("keras GaussianNoise", "keras Dropout", "keras GaussianDropout")


def _train_step_group(
    title: str, labels: list[str], *, jit_compile: bool, steps: int, batch: int
) -> Group:
    bound = 1.05 if jit_compile else 1.15  # the issue-16 targets
    suffix = " XLA" if jit_compile else ""
    candidates = [
        train_step_candidate(
            f"{label}{suffix}", MODELS[label], steps=steps, batch=batch, jit_compile=jit_compile
        )
        for label in ["no noise", *labels]
    ]
    targets = [
        Target(
            f"{label}{suffix}",
            f"no noise{suffix}",
            bound,
            f"{label}{suffix} train step <= {bound:.2f}x no noise",
        )
        for label in labels
        if label in TARGETED
    ]
    mode = "jit_compile=True" if jit_compile else "graph"
    return Group(
        name=f"train step, small CNN, batch {batch}, {mode}: {title}",
        candidates=candidates,
        targets=targets,
        unit="examples",
    )


def _train_step_groups(*, steps: int, batch: int) -> list[Group]:
    groups = [
        _train_step_group(title, labels, jit_compile=False, steps=steps, batch=batch)
        for title, labels in GROUPS.items()
    ]
    for title, labels in GROUPS.items():
        labels = [label for label in labels if label not in KERAS_PEERS]
        groups.append(_train_step_group(title, labels, jit_compile=True, steps=steps, batch=batch))
    groups.append(
        _train_step_group(
            "Keras random layers", list(KERAS_PEERS), jit_compile=True, steps=1, batch=batch
        )
    )
    return groups


def _predict_mc_group(*, images: int, batch_size: int) -> Group:
    x, _ = fixed_batch(images)
    model = small_cnn(kn.layers.MCDropout(RATE, seed=0))

    def predict_mc():
        kn.uncertainty.predict_mc(
            model, x, samples=MC_SAMPLES, batch_size=batch_size, output="logits", verbose=0
        )

    def predict():
        model.predict(x, batch_size=batch_size, verbose=0)

    return Group(
        name=f"predict_mc ({MC_SAMPLES} samples) vs predict, small CNN, {images} images, "
        f"batch_size {batch_size}",
        candidates=[
            Candidate(f"predict_mc x{MC_SAMPLES}", predict_mc, items=images),
            Candidate("plain predict", predict, items=images),
        ],
        targets=[
            Target(
                f"predict_mc x{MC_SAMPLES}",
                "plain predict",
                35.0,
                f"predict_mc {MC_SAMPLES} samples <= 35x one predict",
            )
        ],
        unit="images",
    )


def groups(quick: bool) -> list[Group]:
    if quick:
        return [
            _train_step_group("dropout", ["kn.MCDropout"], jit_compile=False, steps=1, batch=16),
            _predict_mc_group(images=16, batch_size=8),
        ]
    return [*_train_step_groups(steps=5, batch=BATCH), _predict_mc_group(images=256, batch_size=32)]
