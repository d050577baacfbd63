"""`GradientNoise`: annealed Gaussian gradient noise around any Keras 3 optimizer.

Keras 3 optimizers have no gradient hook (the `get_gradients` / `_resource_apply_dense` methods
that Keras-2 gradient-noise packages overrode are gone), so `GradientNoise` is a wrapper, as
Keras' own `LossScaleOptimizer` is: its public `apply` (reached through `apply_gradients`) adds
the noise and passes the noisy gradients to the inner optimizer's public `apply`, which then
clips, decays, accumulates and updates exactly as it would on clean gradients.

The noise at step `t` (the inner optimizer's `iterations`, read in the graph) is drawn with
Philox from a seed derived from ``(seed, t)``: no extra state, the same noise after a `.keras`
save/load resume as in an uninterrupted run, and the same noise on every replica (see
`GradientNoise` for why that is the right choice under `tf.distribute`).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_noise._validation import check_float, check_seed, invalid_type, invalid_value
from keras_noise.ops.random import normal, split_seed

__all__ = ["GradientNoise"]

_PHILOX = tf.random.Algorithm.PHILOX
_MAX_KEY = 2**31 - 1
_SALT = 0x6E6F  # separates gradient-noise seeds from layer seeds built from the same int
_BASE_ARGUMENTS = (
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)


def _check_inner(optimizer) -> keras.optimizers.Optimizer:
    expected = "a Keras 3 optimizer instance such as keras.optimizers.Adam(), or its name"
    if isinstance(optimizer, str):
        try:
            optimizer = keras.optimizers.get(optimizer)
        except ValueError:
            raise invalid_value("optimizer", expected, optimizer) from None
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise invalid_type("optimizer", expected, optimizer)
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        raise invalid_value(
            "optimizer",
            "an optimizer that is not a LossScaleOptimizer: loss scaling goes outside, as "
            "LossScaleOptimizer(GradientNoise(...)), so that the noise is added to unscaled "
            "gradients (compile() wraps it that way by itself under mixed_float16)",
            optimizer,
        )
    return optimizer


@keras.saving.register_keras_serializable(package="keras_noise")
class GradientNoise(keras.optimizers.Optimizer):
    """Adds annealed Gaussian noise to every gradient before the inner optimizer's update.

    At step `t` (the inner optimizer's `iterations`, 0 at the first update) each gradient `g`
    becomes ``g + N(0, eta / (1 + t) ** gamma)``, element-wise and independent across
    variables; the inner optimizer then applies the noisy gradient as it would a clean one.

    * **Schedulable.** `eta` lives in ``optimizer.strength``, a float32 variable, and
      ``optimizer.set_strength(value)`` validates and assigns it, so `GradientNoise` is a noise
      component that `keras_noise.callbacks.NoiseScheduler` can schedule (select it explicitly:
      ``layers=kn.optimizers.GradientNoise`` or ``layers=[model.optimizer]``; it is not part of
      the default "all noise layers" selection). The `(1 + t) ** -gamma` decay applies on top;
      use ``gamma=0`` to let a schedule alone set the variance.
    * **Clipping.** The inner optimizer's `clipnorm`, `clipvalue` and `global_clipnorm` apply
      to the noisy gradient, so they bound the update including the noise.
    * **Mixed precision.** Use it inside the loss-scale optimizer,
      ``LossScaleOptimizer(GradientNoise(...))``, which is what `compile()` builds by itself
      under the `mixed_float16` policy; the noise is then added to unscaled gradients, and a
      step skipped for non-finite gradients draws no noise. Wrapping a `LossScaleOptimizer` is
      an error.
    * **Distribution.** Under `tf.distribute` (e.g. MirroredStrategy) Keras optimizers sum the
      replicas' gradients inside the inner update. Every replica draws the *same* noise (the
      seed depends on `seed` and `t` only, not on the replica) and adds ``1 / num_replicas`` of
      it, so the summed gradient carries exactly one draw of variance ``eta / (1 + t) **
      gamma``, as in single-device training; independent per-replica draws would shrink the
      variance by the number of replicas. Mirrored variables stay identical because the update
      uses the cross-replica sum.
    * **Seeded.** The draw at step `t` is a function of `(seed, t)`: identical runs give
      identical noise, and a model resumed from a `.keras` file continues the same noise
      sequence. With ``seed=None`` the key is drawn once from TensorFlow's global generator
      (so `keras.utils.set_random_seed` makes it reproducible).
    * **Gradient accumulation** (the inner optimizer's `gradient_accumulation_steps`): `t`
      counts updates, and the micro-batches of one update get the same draw, so the averaged
      gradient that the update uses carries one draw of the full variance.
    * **Sparse gradients** (`tf.IndexedSlices`, from embeddings) are densified: the method adds
      noise to every parameter.
    * **Cost.** One Gaussian number per parameter per step (`keras_noise.ops.random.normal`):
      about 3% of a train step of the small benchmark CNN (0.5M parameters) on CPU; more under
      XLA on CPU, where the draw runs in one thread.

    Args:
        optimizer: the Keras 3 optimizer to wrap (an instance, or a name such as "adam").
        eta: the noise variance at `t = 0`, >= 0.
        gamma: the decay exponent of the variance, >= 0 (0 keeps it constant).
        seed: an int >= 0 for reproducible noise, or None.
        name: the optimizer's name.

    Examples:
        >>> import keras, keras_noise as kn
        >>> optimizer = kn.optimizers.GradientNoise(keras.optimizers.SGD(0.1), eta=0.01, seed=0)
        >>> w = keras.Variable([0.0, 0.0])
        >>> optimizer.apply([keras.ops.zeros((2,))], [w])  # zero gradient: only the noise moves w
        >>> bool(keras.ops.all(w != 0.0)), int(optimizer.iterations)
        (True, 1)

    References:
        Neelakantan et al., "Adding gradient noise improves learning for very deep networks",
        arXiv:1511.06807, 2015.
    """

    strength_name = "eta"

    def __init__(
        self,
        optimizer: keras.optimizers.Optimizer | str,
        eta: float = 0.3,
        *,
        gamma: float = 0.55,
        seed: int | None = None,
        name: str | None = None,
        **kwargs,
    ):
        for argument in _BASE_ARGUMENTS:
            if argument in kwargs:
                raise invalid_value(
                    argument,
                    f"no `{argument}` on GradientNoise: set it on the wrapped optimizer, e.g. "
                    f"GradientNoise(keras.optimizers.Adam({argument}=...))",
                    kwargs[argument],
                )
        if kwargs:
            raise TypeError(
                f"GradientNoise got unexpected keyword argument(s) {sorted(kwargs)}. "
                "Accepted: optimizer, eta, gamma, seed, name."
            )
        inner = _check_inner(optimizer)
        eta = check_float("eta", eta, low=0.0)
        gamma = check_float("gamma", gamma, low=0.0)
        seed = check_seed(seed)
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner
        self.gamma = gamma
        self.seed = seed
        key = seed
        if key is None:
            key = int(tf.random.uniform((), 0, _MAX_KEY, dtype=tf.int64).numpy())
        self._key = key
        with keras.name_scope(self.name, caller=self):
            self.strength = keras.Variable(
                eta,
                name="eta",
                dtype="float32",
                trainable=False,
                aggregation="only_first_replica",
            )

    # ------------------------------------------------------------------- noise component
    @property
    def eta(self) -> float:
        """The current value of the `eta` strength variable, as a Python float."""
        return float(keras.ops.convert_to_numpy(self.strength))

    def set_strength(self, value: float) -> None:
        """Validates and assigns `eta`; errors name the optimizer and the value.

        Examples:
            >>> import keras, keras_noise as kn
            >>> optimizer = kn.optimizers.GradientNoise(keras.optimizers.SGD(), name="gn")
            >>> optimizer.set_strength(-0.1)
            Traceback (most recent call last):
            ...
            ValueError: Invalid value for `gn.eta`: expected a float >= 0. Received: gn.eta=-0.1
        """
        self.strength.assign(check_float(f"{self.name}.eta", value, low=0.0))

    def stddev(self, step=None) -> tf.Tensor:
        """The noise standard deviation ``sqrt(eta / (1 + t) ** gamma)`` at `step` (default: now).

        Examples:
            >>> import keras, keras_noise as kn
            >>> optimizer = kn.optimizers.GradientNoise(keras.optimizers.SGD(), eta=0.25, gamma=1.0)
            >>> round(float(optimizer.stddev(3)), 4)
            0.25
        """
        t = tf.cast(self.iterations if step is None else step, tf.float32)
        eta = tf.convert_to_tensor(self.strength, tf.float32)
        return tf.sqrt(eta) * tf.pow(1.0 + t, -0.5 * self.gamma)

    def add_noise(self, grads: list) -> list:
        """Returns `grads` plus this step's noise (None gradients stay None).

        Call it in the replica context, as `apply` does; see the class docstring for the
        distribution rule.
        """
        present = [i for i, g in enumerate(grads) if g is not None]
        if not present:
            return list(grads)
        step = tf.convert_to_tensor(self.iterations)
        stddev = self.stddev(step)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            stddev = stddev / float(context.num_replicas_in_sync)
        if self.inner_optimizer.loss_scale_factor is not None:
            # The inner optimizer divides the gradients by its factor; pre-scale the noise.
            stddev = stddev * float(self.inner_optimizer.loss_scale_factor)
        base_seed = tf.constant([self._key, _SALT], tf.int64)
        step_seed = tf.random.experimental.stateless_fold_in(
            base_seed, tf.cast(step, tf.int64), alg=_PHILOX
        )
        seeds = split_seed(step_seed, len(present))
        noisy = list(grads)
        for index, seed in zip(present, seeds, strict=True):
            gradient = grads[index]
            if isinstance(gradient, tf.IndexedSlices):
                gradient = tf.convert_to_tensor(gradient)
            shape = gradient.shape if gradient.shape.is_fully_defined() else tf.shape(gradient)
            noise = normal(shape, seed) * stddev
            noisy[index] = gradient + tf.cast(noise, gradient.dtype)
        return noisy

    # ------------------------------------------------------------------ optimizer protocol
    def build(self, var_list):
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        """Adds the noise to `grads` and applies them with the inner optimizer."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
            if not self.built:
                with keras.name_scope(self.name, caller=self):
                    self.build(trainable_variables)
                self.built = True
        elif not self.built:
            raise ValueError(
                "GradientNoise.apply() was called with gradients only, before the optimizer was "
                "built. Pass `trainable_variables` or call `optimizer.build(variables)` first."
            )
        self.inner_optimizer.apply(self.add_noise(grads), trainable_variables)

    def apply_gradients(self, grads_and_vars):
        grads, trainable_variables = zip(*grads_and_vars, strict=True)
        self.apply(grads, trainable_variables)
        return self.iterations

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise NotImplementedError(
            "GradientNoise supports the TensorFlow backend only, where Keras optimizers are "
            "stateful; stateless_apply() is not available."
        )

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    def scale_loss(self, loss):
        return self.inner_optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "optimizer": keras.saving.serialize_keras_object(self.inner_optimizer),
            "eta": self.eta,
            "gamma": self.gamma,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        inner = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects
        )
        return cls(inner, **config)
