"""`strip_noise`: rebuild a model without its noise, keeping every other weight.

The rebuilt model is made of *clones* of the original's layers (same class, same config) into
which the original weights are copied, not of the original layer objects. Reusing the objects
would share variables with the training model (a later `fit` would silently change the exported
model) and would add call nodes to the original layers (their `.output` becomes ambiguous).
Shared layers stay shared: a layer used twice is cloned once and its clone used twice. A layer
that cannot be re-created from its config is reused as it is (its weights are then shared).
"""

from __future__ import annotations

import tempfile

import keras

from keras_noise._keras_compat import is_functional, layer_tree
from keras_noise._validation import invalid_type, invalid_value
from keras_noise.export.noise_layers import inference_form, is_noise_layer

_REMOVED = object()  # What a removed layer maps to inside a functional rebuild.


class StripLog:
    """What one `strip_noise` run did, for export reports."""

    def __init__(self) -> None:
        self.removed: list[str] = []
        self.replaced: list[str] = []
        self.shared: list[str] = []


def _describe(layer: keras.layers.Layer) -> str:
    return f"{layer.name} ({type(layer).__name__})"


def _passthrough(*args, **kwargs):
    """A removed layer's call inside a functional graph: its first input, unchanged."""
    return args[0] if len(args) == 1 else args


class _Stripper:
    def __init__(self) -> None:
        self.converted: dict[int, keras.layers.Layer | None] = {}
        self.clones: list[tuple[keras.layers.Layer, keras.layers.Layer]] = []
        self.log = StripLog()

    # ------------------------------------------------------------------------------ layers
    def convert(self, layer: keras.layers.Layer) -> keras.layers.Layer | None:
        """The noise-free counterpart of `layer` (None: removed); shared layers map once."""
        key = id(layer)
        if key not in self.converted:
            self.converted[key] = self._convert(layer)
        return self.converted[key]

    def _convert(self, layer: keras.layers.Layer) -> keras.layers.Layer | None:
        if not isinstance(layer, keras.layers.Layer):  # A stateless keras.ops op of the graph.
            return layer
        if isinstance(layer, keras.Sequential):
            return self.sequential(layer)
        if is_functional(layer):
            return self.functional(layer)
        if isinstance(layer, keras.layers.TimeDistributed):
            return self.time_distributed(layer)
        form = inference_form(layer)
        if form is None:
            self.log.removed.append(_describe(layer))
            return None
        if form is not layer:
            same_class = type(form) is type(layer)
            into = "itself with dropout rates 0" if same_class else _describe(form)
            self.log.replaced.append(f"{_describe(layer)} -> {into}")
            if not form.built:  # A new layer configured for inference: the original's weights.
                if layer.weights:  # (strengths are not weights: NothingSelected takes none)
                    self.clones.append((layer, form))
                return form
            return self.convert(form)  # An existing layer (a wrapper's inner one): cloned.
        pipeline = getattr(keras.layers, "Pipeline", None)
        if pipeline is not None and isinstance(layer, pipeline):
            kept = [c for c in (self.convert(sub) for sub in layer.layers) if c is not None]
            return pipeline(kept, name=layer.name) if kept else None
        return self.clone(layer)

    def time_distributed(self, layer: keras.layers.TimeDistributed) -> keras.layers.Layer | None:
        """The wrapper around its layer's noise-free form; removed with a removed layer."""
        inner = self.convert(layer.layer)
        if inner is None:
            self.log.removed.append(f"{layer.name} (TimeDistributed({type(layer.layer).__name__}))")
            return None
        if is_noise_layer(layer.layer):
            self.log.replaced.append(
                f"{layer.name} (TimeDistributed({type(layer.layer).__name__})) -> "
                f"{layer.name} (TimeDistributed({type(inner).__name__}))"
            )
        return keras.layers.TimeDistributed(inner, name=layer.name)

    def clone(self, layer: keras.layers.Layer) -> keras.layers.Layer:
        try:
            clone = type(layer).from_config(layer.get_config())
        except Exception:  # No usable config: reuse the object (weights shared, values equal).
            self.log.shared.append(_describe(layer))
            return layer
        self.clones.append((layer, clone))
        return clone

    def copy_weights(self) -> None:
        """Copies every clone's state from its original, the way Keras loads saved weights.

        `save_own_variables` / `load_own_variables` per (sub)layer, so that layers with
        post-load logic (Normalization's `finalize_state`, quantized kernels...) end up right,
        then `save_assets` / `load_assets` for layers that keep state in files (the adapted
        vocabulary of TextVectorization and the lookup layers, which initializes their tables).
        """
        for original, clone in self.clones:
            pairs = zip(layer_tree(original), layer_tree(clone), strict=False)
            try:
                for source, target in pairs:
                    store: dict = {}
                    source.save_own_variables(store)
                    target.load_own_variables(store)
                    _copy_assets(source, target)
            except Exception as error:
                raise RuntimeError(
                    f"strip_noise could not copy the weights of layer {_describe(original)} "
                    f"into its clone from get_config(): {error}"
                ) from error

    # ------------------------------------------------------------------------------ models
    def sequential(self, model: keras.Sequential) -> keras.Sequential:
        layers = [c for c in (self.convert(layer) for layer in model.layers) if c is not None]
        if not layers:  # A Sequential model needs a layer; the identity is the model's meaning.
            layers = [keras.layers.Identity(name=f"{model.name}_identity")]
        spec = model.inputs[0]
        inputs = keras.Input(batch_shape=spec.shape, dtype=spec.dtype, name=spec.name)
        return _keep_frozen(keras.Sequential([inputs, *layers], name=model.name), model)

    def functional(self, model: keras.Model) -> keras.Model:
        # An uncompiled view of the same graph: `clone_model` would also copy the compile
        # config, which fails for losses or metrics that do not deserialize.
        view = keras.Model(model.input, model.output, name=model.name)

        def clone_function(layer):
            converted = self.convert(layer)
            return _REMOVED if converted is None else converted

        def call_function(layer, *args, **kwargs):
            return _passthrough(*args) if layer is _REMOVED else layer(*args, **kwargs)

        rebuilt = keras.models.clone_model(
            view, clone_function=clone_function, call_function=call_function
        )
        return _keep_frozen(rebuilt, model)


def _copy_assets(source: keras.layers.Layer, target: keras.layers.Layer) -> None:
    """Copies the file-backed state of `source` into `target`, as a `.keras` reload would."""
    save, load = getattr(source, "save_assets", None), getattr(target, "load_assets", None)
    if not (callable(save) and callable(load)):
        return
    with tempfile.TemporaryDirectory() as folder:
        save(folder)
        load(folder)


def _keep_frozen(rebuilt: keras.Model, model: keras.Model) -> keras.Model:
    """Freezes `rebuilt` if `model` is frozen (setting True would unfreeze frozen sublayers)."""
    if not model.trainable:
        rebuilt.trainable = False
    return rebuilt


def unwrap_model(model: keras.Model) -> keras.Model:
    """Follows `inference_layer()` hooks of model wrappers to the model that serves."""
    seen = set()
    while callable(getattr(model, "inference_layer", None)) and id(model) not in seen:
        seen.add(id(model))
        inner = model.inference_layer()
        if not isinstance(inner, keras.Model):
            break
        model = inner
    return model


def is_rebuildable(model: keras.Model) -> bool:
    """Whether `strip_noise` can rebuild `model` (Sequential or functional)."""
    return isinstance(model, keras.Sequential) or is_functional(model)


def strip_with_log(model: keras.Model) -> tuple[keras.Model, StripLog]:
    """`strip_noise`, also returning what was removed, replaced or shared."""
    if not isinstance(model, keras.Model):
        raise invalid_type("model", "a keras.Model (Sequential or functional)", model)
    model = unwrap_model(model)
    if not is_rebuildable(model):
        raise TypeError(
            f"strip_noise rebuilds Sequential and functional models; model '{model.name}' is a "
            f"subclassed model ({type(model).__name__}), whose layers are wired by Python code "
            "in its call(). Build it as a functional model, or export it with "
            "export_noise_free(), which traces call(..., training=False) and verifies the graph."
        )
    if not model.built:
        raise invalid_value(
            "model",
            "a built model: call it on data first (model(x) or model.predict(x)) or start it "
            "with keras.Input",
            model,
        )
    stripper = _Stripper()
    stripped = stripper.convert(model)
    stripper.copy_weights()
    return stripped, stripper.log


def strip_noise(model: keras.Model) -> keras.Model:
    """Returns a copy of `model` without noise, with the same weights.

    Every keras-noise component is removed (the identity at inference) or replaced by its
    inference form (weight-noise wrappers by their inner layer with the clean kernel), and so are
    Keras' own Dropout, GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout and random
    augmentation layers (see `keras_noise.export.noise_layers` for the list). Sequential and
    functional models are rebuilt, nested models recursively; shared layers stay shared. The new
    model's layers are clones holding copies of the original weights, so training the original
    further does not change it. Its output equals ``model(x, training=False)``.

    Args:
        model: a built Sequential or functional Keras model, or a model wrapper whose
            ``inference_layer()`` returns one.

    Returns:
        A new, uncompiled model of the same kind, name and inputs.

    Raises:
        TypeError: for a subclassed model (its wiring is Python code; use `export_noise_free`,
            which traces it with ``training=False`` and verifies the result) or a non-model.
        ValueError: for a model that is not built.

    Examples:
        >>> import keras, numpy as np, keras_noise as kn
        >>> model = keras.Sequential([
        ...     keras.Input((4,)),
        ...     kn.layers.Jitter(stddev=0.1),
        ...     keras.layers.Dense(3),
        ...     keras.layers.Dropout(0.5),
        ... ])
        >>> clean = kn.export.strip_noise(model)
        >>> [type(layer).__name__ for layer in clean.layers]
        ['Dense']
        >>> x = np.ones((2, 4), "float32")
        >>> bool(np.allclose(clean(x), model(x, training=False)))
        True
    """
    return strip_with_log(model)[0]
