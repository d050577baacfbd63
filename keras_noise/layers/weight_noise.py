"""Weight-noise wrappers: WeightNoise (Gaussian) and DropConnect, around any layer with a kernel.

How the noisy forward pass works: the wrapper reads the inner layer's kernel variable(s), builds
the noisy value (``kernel + noise``, or the masked kernel) as a tensor, and calls the inner layer
inside a `keras.StatelessScope` that maps the kernel variable to that tensor. Every read of the
kernel inside the inner layer's `call` (Dense's matmul, Conv's `convolution_op`, EinsumDense's
einsum, an LSTM cell's loop...) sees the noisy value, and the variable itself is never assigned:
inference, exports and the optimizer see the clean kernel, and gradients flow through
``kernel + noise`` to the clean kernel. Nothing is re-implemented per layer type, so any layer
whose `call` reads a variable named ``*kernel`` works (Dense, Conv1D/2D/3D and their transposes,
DepthwiseConv2D, SeparableConv (both kernels), EinsumDense, LSTM/GRU (input and recurrent
kernels), a nested model...). Other state the inner layer updates during the call (e.g. the
moving statistics of a BatchNormalization inside a wrapped sub-model) and losses it adds are
replayed outside the scope, so nothing is lost. Wrappers pass every call argument on, and wrap
recurrent layers inside `keras.layers.Bidirectional` (its backward copy's `go_backwards` reaches
the inner layer).

Weights and names: the wrapper neither copies nor renames the inner layer's variables: in
``DropConnect(Dense(10, name="head"))`` they are still the Dense layer's own ``kernel`` and
``bias`` (when the wrapper builds the layer, their paths gain its prefix:
``drop_connect/head/kernel``). The wrapper adds only its non-trainable strength and seed state.
`.keras` files and ``save_weights``/``load_weights`` round-trip wrapped models. A weights file of
the *unwrapped* model addresses each layer by its position in that model, so load it into the
plain model and wrap the same layer objects afterwards (a wrapper shares its layer, and so its
weights)::

    plain = build_plain_model()              # e.g. ... -> Flatten -> Dense(10, name="head")
    plain.load_weights("plain.weights.h5")
    head = kn.layers.DropConnect(plain.get_layer("head"), rate=0.3)
    wrapped = keras.Model(plain.input, head(plain.get_layer("flatten").output))

or copy layer by layer: ``wrapper.layer.set_weights(plain.get_layer("head").get_weights())``.
"""

from __future__ import annotations

import inspect

import keras
import tensorflow as tf

from keras_noise._validation import check_choice, invalid_type, invalid_value
from keras_noise.layers._sampling_mode import active_samples
from keras_noise.layers.base import NoiseLayer
from keras_noise.ops import in_model as in_model_ops
from keras_noise.ops.random import split_seed

_EXPECTED_LAYER = (
    "a Keras layer with a float kernel variable (a weight named '*kernel': Dense, Conv1D/2D/3D, "
    "DepthwiseConv2D, EinsumDense, LSTM...)"
)


class KernelNoiseWrapper(NoiseLayer):
    """Base of wrappers that perturb the kernel(s) of an inner layer during training.

    Subclasses implement `perturb(value, seed)` for one float32 weight tensor. The noise is drawn
    once per call and shared by the batch (one noisy kernel per step, like the clean one); inside
    `keras_noise.uncertainty.predict_mc` each Monte-Carlo sample gets its own noisy kernel.

    Args:
        layer: the layer to wrap; it is shared, not copied.
        strength: the initial value of `layer.strength`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, ...).
    """

    mc_sampling = True
    #: Variable-name suffixes of the inner layer's weights that the wrapper perturbs.
    target_suffixes: tuple[str, ...] = ("kernel",)

    def __init__(self, layer: keras.layers.Layer, strength: float, *, seed=None, **kwargs):
        if not isinstance(layer, keras.layers.Layer):
            raise invalid_type("layer", _EXPECTED_LAYER, layer)
        # The kernel is read in float32 and cast by the inner layer, as its clean kernel is.
        super().__init__(strength, seed=seed, autocast=False, **kwargs)
        self.layer = layer
        if layer.built:
            self._targets()

    # ------------------------------------------------------------------------------ building
    def build(self, input_shape):
        # A layer whose build takes several shapes (MultiHeadAttention's query and value) is
        # built at the first call instead, from all its arguments.
        if not self.layer.built and _single_shape_build(self.layer):
            self.layer.build(input_shape)
            self._targets()
        super().build(input_shape)

    def _build_inner_from(self, inputs, args, kwargs) -> None:
        """Builds a multi-input inner layer by a symbolic call on all its arguments."""
        if self.layer.built:
            return
        symbolic = keras.tree.map_structure(
            lambda part: (
                keras.KerasTensor(part.shape, dtype=part.dtype) if tf.is_tensor(part) else part
            ),
            (inputs, args, kwargs),
        )
        self.layer(symbolic[0], *symbolic[1], **symbolic[2])

    def _targets(self) -> list:
        """The inner layer's variables that get noise; validates that there is a kernel."""
        targets = [
            variable
            for variable in self.layer.weights
            if variable.name.endswith(self.target_suffixes)
        ]
        kernels = [v for v in targets if v.name.endswith("kernel")]
        if not kernels or not all(keras.backend.is_float_dtype(v.dtype) for v in targets):
            raise invalid_value("layer", _EXPECTED_LAYER, self.layer)
        return targets

    def compute_output_shape(self, input_shape, *args, **kwargs):
        return self.layer.compute_output_shape(input_shape, *args, **kwargs)

    def compute_output_spec(self, inputs, *args, **kwargs):
        for name in ("training", "mask"):
            if name not in self._inner_arguments:
                kwargs.pop(name, None)
        return self.layer.compute_output_spec(inputs, *args, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.layer.compute_mask(inputs, mask)

    # ------------------------------------------------------------------------------- calling
    def call(self, inputs, *args, training=None, **kwargs):
        """Calls the inner layer with every argument it was given (its `training` included).

        No `mask` parameter of its own: Keras would record `mask=None` in functional graphs,
        which `strip_noise` replays on the inner layer; pass `mask=` explicitly to forward one.
        """
        if "training" in self._inner_arguments:
            kwargs["training"] = training
        if not self.noise_is_active(training):
            return self.layer(inputs, *args, **kwargs)
        self._build_inner_from(inputs, args, kwargs)
        seed = self.seed_generator.next()
        samples = active_samples() or 1
        if samples == 1:
            return self._noisy_call(seed, inputs, *args, **kwargs)
        # Monte-Carlo sampling: the batch is `samples` sample-major blocks; one kernel each.
        blocks = _sample_blocks((inputs, args, kwargs), samples)
        outputs = [
            self._noisy_call(block_seed, block[0], *block[1], **block[2])
            for block, block_seed in zip(blocks, split_seed(seed, samples), strict=True)
        ]
        return keras.tree.map_structure(lambda *parts: tf.concat(parts, axis=0), *outputs)

    @property
    def _inner_arguments(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.layer.call).parameters)

    def _noisy_call(self, seed, inputs, *args, **kwargs):
        targets = self._targets()
        seeds = split_seed(seed, len(targets)) if len(targets) > 1 else [seed]
        mapping = [
            (variable, self.perturb(tf.convert_to_tensor(variable.value), variable_seed))
            for variable, variable_seed in zip(targets, seeds, strict=True)
        ]
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            outputs = self.layer(inputs, *args, **kwargs)
        # Replay what the scope held back: other state updates and added losses.
        substituted = {id(variable) for variable in targets}
        for variable in self.layer.variables:
            if id(variable) not in substituted:
                value = scope.get_current_value(variable)
                if value is not None:
                    variable.assign(value)
        for loss in scope.losses:
            self.add_loss(loss)
        return outputs

    def perturb(self, value: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """Returns the noisy version of one float32 weight tensor; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement perturb().")

    def inference_layer(self) -> keras.layers.Layer:
        """The wrapped layer, with its clean weights (what `strip_noise` puts in its place)."""
        return self.layer

    # --------------------------------------------------------------------------- serializing
    def get_config(self) -> dict:
        layer = keras.saving.serialize_keras_object(self.layer)
        # The wrapper builds its layer from its own input shape (Keras stores it for the wrapper).
        layer.pop("build_config", None)
        return {**super().get_config(), "layer": layer}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer_config = dict(config.pop("layer"))
        # Keras' Bidirectional builds its backward copy by setting `go_backwards` in our config.
        inner = {key: config.pop(key) for key in _FORWARDED_ATTRIBUTES if key in config}
        if inner:
            layer_config["config"] = {**layer_config["config"], **inner}
        layer = keras.saving.deserialize_keras_object(layer_config, custom_objects=custom_objects)
        return cls(layer, **config)

    # ------------------------------------------------------------- recurrent-layer attributes
    # Keras' Bidirectional (and code written for RNNs) reads these on the layer it wraps.
    go_backwards = property(lambda self: self._inner_attribute("go_backwards"))
    stateful = property(lambda self: self._inner_attribute("stateful"))
    return_sequences = property(lambda self: self._inner_attribute("return_sequences"))
    return_state = property(lambda self: self._inner_attribute("return_state"))

    def _inner_attribute(self, name: str):
        if not hasattr(self.layer, name):
            raise AttributeError(
                f"'{type(self).__name__}' wraps a {type(self.layer).__name__}, which has no "
                f"attribute '{name}'"
            )
        return getattr(self.layer, name)

    def reset_state(self) -> None:
        """Resets the state of a stateful inner recurrent layer."""
        self._inner_attribute("reset_state")()


_FORWARDED_ATTRIBUTES = ("go_backwards",)


def _single_shape_build(layer: keras.layers.Layer) -> bool:
    parameters = inspect.signature(layer.build).parameters.values()
    required = [p for p in parameters if p.default is p.empty and p.kind != p.VAR_KEYWORD]
    return len(required) <= 1


def _sample_blocks(structure, samples: int) -> list:
    """`structure` once per Monte-Carlo sample, each batched tensor cut to that sample's block."""
    flat = keras.tree.flatten(structure)
    split = [
        tf.split(part, samples, axis=0) if _is_batched_tensor(part) else [part] * samples
        for part in flat
    ]
    return [
        keras.tree.pack_sequence_as(structure, [parts[index] for parts in split])
        for index in range(samples)
    ]


def _is_batched_tensor(value) -> bool:
    return tf.is_tensor(value) and value.shape.rank is not None and value.shape.rank >= 1


@keras.saving.register_keras_serializable(package="keras_noise")
class WeightNoise(KernelNoiseWrapper):
    """Gaussian noise on a layer's kernel during training; the clean kernel at inference.

    Each training step draws fresh noise and the forward pass uses ``kernel + noise``; the
    variable is never changed, gradients flow to the clean kernel, and `predict`, `evaluate`,
    exports and `training=None` calls use the clean kernel (see the module docstring for how, and
    for loading weights from a model without the wrapper). One noise draw per call, shared by the
    batch. The noise is drawn in float32 on the float32 kernel; a mixed-precision inner layer
    casts the noisy kernel to its compute dtype. The bias is not perturbed. `layer.strength` is
    the standard deviation.

    Args:
        layer: the layer to wrap: any layer with a float variable named ``*kernel`` (Dense,
            Conv1D/2D/3D, DepthwiseConv2D, EinsumDense, LSTM...). Shared, not copied.
        stddev: the noise's standard deviation, >= 0, in the unit set by `relative_to`.
        relative_to: None: absolute, ``kernel + stddev * e``; "kernel": relative to the
            kernel's scale, ``kernel + stddev * rms(kernel) * e``, so one `stddev` means the
            same signal-to-noise ratio in every layer; "weight": relative to each weight,
            ``kernel * (1 + stddev * e)``. `e ~ N(0, 1)` per entry.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, ...).

    Call arguments:
        inputs: the inner layer's input; further positional and keyword arguments (a
            MultiHeadAttention's value, an RNN's `initial_state`, an explicit `mask=`) go to it too.
        training: True for a noisy kernel; False or None for the clean one.

    Returns:
        The inner layer's output.

    Examples:
        >>> import numpy as np, keras, keras_noise as kn
        >>> dense = keras.layers.Dense(3)
        >>> layer = kn.layers.WeightNoise(dense, stddev=0.1, seed=0)
        >>> x = np.ones((2, 4), "float32")
        >>> bool(np.allclose(layer(x), dense(x)))
        True
        >>> bool(np.allclose(layer(x, training=True), dense(x)))
        False

    References:
        Graves, "Practical variational inference for neural networks", NeurIPS 2011. An, "The
        effects of adding noise during backpropagation training on a generalization
        performance", Neural Computation 1996.
    """

    strength_name = "stddev"

    def __init__(
        self,
        layer: keras.layers.Layer,
        stddev: float,
        *,
        relative_to: str | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(layer, stddev, seed=seed, **kwargs)
        self.relative_to = check_choice("relative_to", relative_to, (None, "kernel", "weight"))

    def perturb(self, value, seed):
        stddev = self.read_strength(self.strength, "float32")
        return in_model_ops.weight_noise(value, stddev, seed, relative_to=self.relative_to)

    def get_config(self) -> dict:
        return {**super().get_config(), "relative_to": self.relative_to}


@keras.saving.register_keras_serializable(package="keras_noise")
class DropConnect(KernelNoiseWrapper):
    """DropConnect: drops kernel entries with probability `rate` during training.

    Each training step draws one Bernoulli mask over the kernel (and, with `drop_bias`, the bias)
    and the forward pass uses ``kernel * mask / (1 - rate)``, so the expected kernel is the clean
    one and inference (`predict`, exports, `training=None`) uses the plain kernel. The mask is
    **shared by the batch**: one mask per step, the cheap form (a per-example mask would need a
    kernel per example); Wan et al. draw one per example. The variable is never changed and
    gradients flow to the clean kernel (see the module docstring, also for loading weights from a
    model without the wrapper). `layer.strength` is the rate.

    Naming trap: EfficientNet's ``drop_connect_rate`` drops residual branches per example; that
    is `DropPath`.

    Args:
        layer: the layer to wrap: any layer with a float variable named ``*kernel`` (Dense,
            Conv1D/2D/3D, DepthwiseConv2D, EinsumDense, LSTM...). Shared, not copied.
        rate: the probability that a kernel entry is dropped, in [0, 1).
        drop_bias: whether the bias (variables named ``*bias``) is dropped too.
        seed: an int >= 0 for reproducible masks, or None.
        **kwargs: base layer arguments (`name`, ...).

    Call arguments and return value: as in `WeightNoise` (`training=True` masks the kernel).

    Examples:
        >>> import numpy as np, keras, keras_noise as kn
        >>> dense = keras.layers.Dense(3)
        >>> layer = kn.layers.DropConnect(dense, rate=0.5, seed=0)
        >>> y = layer(np.ones((2, 4), "float32"), training=True)
        >>> bool(np.allclose(y[0], y[1]))  # equal rows: one mask for the whole batch
        True

    References:
        Wan, Zeiler, Zhang, LeCun and Fergus, "Regularization of neural networks using
        DropConnect", ICML 2013.
    """

    strength_name = "rate"
    strength_bounds = {"low": 0.0, "high": 1.0, "high_inclusive": False}

    def __init__(
        self,
        layer: keras.layers.Layer,
        rate: float,
        *,
        drop_bias: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        if not isinstance(drop_bias, bool):
            raise invalid_value("drop_bias", "a bool", drop_bias)
        self.drop_bias = drop_bias
        self.target_suffixes = ("kernel", "bias") if drop_bias else ("kernel",)
        super().__init__(layer, rate, seed=seed, **kwargs)

    def perturb(self, value, seed):
        rate = self.read_strength(self.strength, "float32")
        return in_model_ops.drop_connect(value, rate, seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "drop_bias": self.drop_bias}
