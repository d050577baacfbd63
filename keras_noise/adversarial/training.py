"""`AdversarialModel`: adversarial training as a `keras.Model` that wraps the model it trains.

The wrapper only changes `fit`: every train step replaces a fraction `ratio` of the batch by
adversarial examples crafted against the current weights (FGSM or PGD, in inference mode), then
takes an ordinary Keras train step on the mixed batch. `evaluate`, `predict` and calling the
wrapper run the inner model unchanged, and the inner model (`wrapper.model`) is saved and
exported on its own, with no adversarial machinery inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from keras_noise._validation import (
    check_choice,
    check_float,
    check_int,
    check_seed,
    invalid_type,
)
from keras_noise.adversarial import _checks, graph
from keras_noise.layers._strength import StrengthState
from keras_noise.ops import random
from keras_noise.ops.random import NoiseSeedGenerator

__all__ = ["AdversarialModel"]

METHODS = ("fgsm", "pgd")


@keras.saving.register_keras_serializable(package="keras_noise")
class AdversarialModel(StrengthState, keras.Model):
    """Trains `model` on a mix of clean and adversarial examples (FGSM or PGD).

    In each train step, ``round(ratio * batch_size)`` examples of the batch, chosen at random,
    are replaced by adversarial examples crafted against the current weights with the model in
    inference mode; the step then trains on the mixed batch (with its labels and sample weights)
    exactly as Keras' own `train_step` does: loss scaling, metrics and distribution included.
    Training metrics therefore describe the mixed batch. In expectation the objective is
    Goodfellow et al.'s ``(1 - ratio) * loss(clean) + ratio * loss(adversarial)``; crafting only
    the replaced examples keeps the extra cost to ``ratio`` times one forward/backward pass per
    FGSM step (``ratio * steps`` for PGD).

    `wrapper.strength` is epsilon, a non-trainable float32 variable: assign it (validated, with
    ``wrapper.set_strength(value)``) or let `keras_noise.callbacks.NoiseScheduler` ramp it; the
    change reaches the already traced train function without retracing.

    `evaluate`, `predict` and ``wrapper(x)`` run the inner model (clean inputs, no attack).
    Save or export the inner model, ``wrapper.model``: it contains nothing adversarial. The
    wrapper itself also saves to `.keras` and reloads (its config holds the inner model's).

    If `model` is compiled, the wrapper starts compiled like it (`compile_from_config`: a new
    optimizer with the same configuration, the same loss, metrics and options); calling
    `compile` on the wrapper replaces that. The inner model's own optimizer is left unused, so
    a `.keras` file of the inner model holds an unbuilt optimizer (Keras warns about it when
    the file is loaded and compiled; the weights are unaffected). The attack loss is the
    wrapper's compiled loss unless `attack_loss` is given.

    BatchNorm layers see clean and adversarial examples in one batch (their statistics mix
    both), as in Goodfellow et al. and Kurakin et al.

    Distribution and compilation: build and compile the wrapper inside a
    `tf.distribute.MirroredStrategy` scope as you would any model: each replica crafts the
    adversarial examples of its own part of the batch, with its own random draws. With
    ``jit_compile=True`` the whole step, crafting included, is one XLA cluster (PGD's loop is a
    `tf.while_loop`); every part compiles.

    Args:
        model: the Keras model to train, with one input tensor (built or not; compiled or not).
        method: "fgsm" or "pgd".
        epsilon: the attack radius in the units of the inputs (L-inf per value, or L2 per
            example with ``norm="l2"``), >= 0; the initial value of `wrapper.strength`.
        ratio: the fraction of every batch replaced by adversarial examples, in [0, 1].
        steps: PGD's number of steps, >= 1 (7, as Madry et al. trained on CIFAR-10). Unused by
            FGSM.
        step_size: PGD's step size, > 0; None for ``2.5 * epsilon / steps``, which follows
            epsilon when a schedule moves it. Unused by FGSM.
        norm: PGD's norm, "linf" or "l2". FGSM is an L-inf attack.
        random_start: whether PGD starts from a uniform draw in the epsilon ball.
        clip: the `(low, high)` value range adversarial inputs are clipped to, or None.
        attack_loss: the loss the attack ascends: None for the wrapper's compiled loss, else a
            Keras loss name, a `keras.losses.Loss` or a callable ``loss(y_true, y_pred)``.
        seed: an int >= 0 for reproducible choices of examples and PGD starts, or None.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Call arguments:
        inputs: the inner model's inputs.
        training: passed to the inner model.

    Returns:
        The inner model's outputs.

    Examples:
        >>> import keras, numpy as np, keras_noise as kn
        >>> inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> model = kn.adversarial.AdversarialModel(inner, method="fgsm", epsilon=0.1, seed=0)
        >>> model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        >>> x, y = np.random.default_rng(0).uniform(size=(8, 4)), np.arange(8) % 3
        >>> history = model.fit(x, y, epochs=1, verbose=0)
        >>> model.set_strength(0.2)
        >>> round(float(model.strength.numpy()), 4)
        0.2

    References:
        Goodfellow, Shlens and Szegedy, "Explaining and Harnessing Adversarial Examples",
        ICLR 2015. Madry, Makelov, Schmidt, Tsipras and Vladu, "Towards Deep Learning Models
        Resistant to Adversarial Attacks", ICLR 2018. Kurakin, Goodfellow and Bengio,
        "Adversarial Machine Learning at Scale", ICLR 2017 (mixed batches).
    """

    strength_name = "epsilon"

    def __init__(
        self,
        model: keras.Model,
        *,
        method: str = "fgsm",
        epsilon: float = 0.1,
        ratio: float = 0.5,
        steps: int = 7,
        step_size: float | None = None,
        norm: str = "linf",
        random_start: bool = True,
        clip: Sequence[float] | None = (0.0, 1.0),
        attack_loss: Any = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(model, keras.Model):
            raise invalid_type("model", "a keras.Model", model)
        self.model = model
        self.method = check_choice("method", method, METHODS)
        self.ratio = check_float("ratio", ratio, low=0.0, high=1.0)
        self.steps = check_int("steps", steps, low=1)
        self.step_size = _checks.check_step_size(step_size)
        self.norm = check_choice("norm", norm, _checks.NORMS)
        self.random_start = bool(random_start)
        self.clip = _checks.check_clip(clip)
        self.attack_loss = attack_loss
        self.seed = check_seed(seed)
        self.seed_generator = NoiseSeedGenerator(
            self.seed, name=f"{self.name}_seed_generator", owner=self.name
        )
        self.make_strength("epsilon", check_float("epsilon", epsilon, low=0.0))
        if model.built:
            self.built = True
        if getattr(model, "compiled", False):
            self._compile_like(model)

    def _compile_like(self, model: keras.Model) -> None:
        # A copy of the optimizer, not the same instance: a shared optimizer would be saved once,
        # under the inner model, and a reloaded wrapper would lose its state.
        self.compile_from_config(model.get_compile_config())

    # ------------------------------------------------------------------------------ strength
    @property
    def strength(self) -> keras.Variable:
        """Epsilon, a strength variable: model state, not a weight (not in `get_weights()`)."""
        return self.strength_variable("epsilon")

    def inference_layer(self) -> keras.Model:
        """The wrapped model: what serves at inference and what `export_noise_free` exports."""
        return self.model

    def set_strength(self, value: float) -> None:
        """Validates and assigns epsilon; errors name the model and the value.

        Raises:
            ValueError: for a negative or non-finite value.
        """
        name = f"{self.name}.{self.strength_name}"
        self.strength.assign(check_float(name, value, low=0.0))

    # ----------------------------------------------------------------------------- calling
    def call(self, inputs, training=None):
        return self.model(inputs, training=training)

    def compute_output_spec(self, inputs, training=None):
        return self.model.compute_output_spec(inputs, training=training)

    # ----------------------------------------------------------------------------- training
    def craft(self, x, y, seed: tf.Tensor | None = None) -> tf.Tensor:
        """Adversarial versions of `x` against the current weights (inference mode).

        Args:
            x: a batch of float inputs.
            y: their labels.
            seed: a Philox seed of shape `(2,)` for PGD's random start; None draws one from
                `wrapper.seed_generator`.

        Returns:
            The adversarial inputs, shape and dtype of `x`, without gradient.
        """
        common = {"loss": self.attack_loss, "clip": self.clip, "loss_model": self}
        epsilon = tf.convert_to_tensor(self.strength)
        if self.method == "fgsm":
            return graph.fgsm_graph(self.model, x, y, epsilon, **common)
        if seed is None:
            seed = self.seed_generator.next()
        return graph.pgd_graph(
            self.model,
            x,
            y,
            epsilon,
            step_size=self.step_size,
            steps=self.steps,
            norm=self.norm,
            random_start=self.random_start,
            seed=seed,
            **common,
        )

    def adversarial_batch(self, x, y, sample_weight=None):
        """Replaces `round(ratio * batch)` random examples of a batch by adversarial ones.

        The batch is permuted at random (labels and sample weights alike) and its first
        examples are crafted, so the replaced examples are random even in unshuffled data.

        Args:
            x: a batch of float inputs (one tensor).
            y: its labels (any structure); required.
            sample_weight: its sample weights, or None.

        Returns:
            `(x, y, sample_weight)` of the mixed batch.

        Raises:
            ValueError: at trace time, for a batch without labels.
        """
        if y is None:
            raise ValueError(
                f"AdversarialModel '{self.name}' needs labels to craft adversarial examples: "
                "expected batches (x, y) or (x, y, sample_weight). Received: y=None"
            )
        x = _checks.check_inputs(x, f"AdversarialModel '{self.name}'")
        if self.ratio == 0.0:
            return x, y, sample_weight
        order_seed, attack_seed = random.split_seed(self.seed_generator.next(), 2)
        if self.ratio == 1.0:
            return self.craft(x, y, attack_seed), y, sample_weight
        batch = tf.shape(x)[0]
        order = tf.argsort(random.uniform(tf.shape(x)[:1], order_seed))
        x, y, sample_weight = _map_tensors(lambda t: tf.gather(t, order), (x, y, sample_weight))
        count = tf.cast(tf.round(self.ratio * tf.cast(batch, tf.float32)), tf.int32)
        crafted = self.craft(x[:count], _map_tensors(lambda t: t[:count], y), attack_seed)
        return tf.concat([crafted, x[count:]], axis=0), y, sample_weight

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        x, y, sample_weight = self.adversarial_batch(x, y, sample_weight)
        return super().train_step(keras.utils.pack_x_y_sample_weight(x, y, sample_weight))

    # ------------------------------------------------------------------------- serialization
    def get_config(self) -> dict:
        inner = keras.saving.serialize_keras_object(self.model)
        # The wrapper's own compile config is the one that matters on reload; the inner model's
        # copy would create a second, unrelated optimizer.
        inner.pop("compile_config", None)
        return {
            "name": self.name,
            "model": inner,
            "method": self.method,
            "epsilon": float(keras.ops.convert_to_numpy(self.strength)),
            "ratio": self.ratio,
            "steps": self.steps,
            "step_size": self.step_size,
            "norm": self.norm,
            "random_start": self.random_start,
            "clip": self.clip,
            "attack_loss": keras.saving.serialize_keras_object(self.attack_loss),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> AdversarialModel:
        config = dict(config)
        config["model"] = keras.saving.deserialize_keras_object(
            config["model"], custom_objects=custom_objects
        )
        if config.get("attack_loss") is not None:
            config["attack_loss"] = keras.losses.get(config["attack_loss"])
        return cls(**config)


def _map_tensors(fn, structure):
    """`tf.nest.map_structure` that leaves None (no labels / no sample weights) alone."""
    return tf.nest.map_structure(lambda t: None if t is None else fn(t), structure)
