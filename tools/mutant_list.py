"""The maintained list of mutants: behaviours the tests must notice when they break.

Each mutant names its targets by module path and attribute (see `mutation.py`) and the tests that
must fail. When a refactoring moves a target, `make mutants` reports the mutant as an ERROR (not
as killed): update its target here. Add a mutant for every promise a test is meant to guard.
"""

from __future__ import annotations

from mutation import RUNTIME_ERRORS, Mutant, MutantError, Replace, Source, apply, runtime_error  # noqa: F401

LEVEL = "tests/test_registry_noise_level.py::test_assigned_strength_gives_the_documented_level_without_retracing"  # noqa: E501
LEVEL_16 = "tests/test_registry_noise_level.py::test_documented_level_in_16_bit_precision"
REPLICAS = (
    "tests/test_registry_noise_level.py::test_replicas_draw_different_noise_at_the_documented_level"  # noqa: E501
)
RELOAD = "tests/test_registry_serialization.py::test_reloaded_layer_draws_the_same_noise"
RNG = "tests/test_registry_rng.py"
TRAINING_RULE = "tests/test_registry_training_rule.py"


def _level(case_expression: str) -> tuple[str, ...]:
    """The strength-level test of the registry cases matching a `-k` expression."""
    return (LEVEL, "-k", case_expression)


# --------------------------------------------------------------------------- patch factories
def _identity_apply_noise(original):
    def apply_noise(self, inputs):
        return inputs

    return apply_noise


def _unperturbed(original):
    def perturb(self, value, seed):
        return value

    return perturb


def _strength_reads(transform):
    """A `read_strength` replacement: `transform(variable, value, dtype)` of the true reading."""

    def make(original):
        def read_strength(variable, dtype):
            return transform(variable, original(variable, dtype), dtype)

        return read_strength

    return make


_INITIAL_STRENGTHS: dict = {}


def _recording_add_strength(original):
    def add_strength(self, name, value, **bounds):
        variable = original(self, name, value, **bounds)
        _INITIAL_STRENGTHS[id(variable)] = float(value)
        return variable

    return add_strength


def _constructor_value(variable, value, dtype):
    import tensorflow as tf

    if id(variable) not in _INITIAL_STRENGTHS:
        runtime_error("read_strength read a variable that add_strength did not create")
    return tf.cast(_INITIAL_STRENGTHS[id(variable)], dtype)


def _captured_at_trace(variable, value, dtype):
    import tensorflow as tf

    with tf.init_scope():  # read eagerly while tracing: a Python constant in the graph
        current = float(variable.numpy())
    return tf.cast(current, dtype)


def _zero_in_16_bit(variable, value, dtype):
    import tensorflow as tf

    return value * 0 if tf.as_dtype(dtype) in (tf.float16, tf.bfloat16) else value


def _zero_in_replicas(variable, value, dtype):
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    in_replica = context is not None and context.num_replicas_in_sync > 1
    return value * 0 if in_replica else value


def _reseeded_on_load(original):
    """`from_config` builds the layer with its config's seed but draws from another one."""

    def from_config(cls, config, *args, **kwargs):
        from keras_noise.ops.random import NoiseSeedGenerator

        layer = original(cls, config, *args, **kwargs)
        if not isinstance(getattr(layer, "seed_generator", None), NoiseSeedGenerator):
            runtime_error("NoiseLayer.seed_generator is no longer a NoiseSeedGenerator")
        seed = None if layer.seed is None else layer.seed + 1
        layer.seed_generator = NoiseSeedGenerator(seed, name=layer.seed_generator.name)
        return layer

    return from_config


def _no_scheduled_assignment(original):
    def _assign(self, t, unit):
        return False

    return _assign


def _no_random_ops_found(original):
    def find_random_ops(path, op_types=None):
        return {}

    return find_random_ops


def _noise_layers_kept(original):
    def inference_form(layer):
        return layer

    return inference_form


def _returns_inputs_unmixed(original):
    def mix(x, labels, seed, alpha, *, sample_weight=None, **kwargs):
        return x, labels, sample_weight

    return mix


def _labels_unsmoothed(original):
    def smooth_labels(probabilities, smoothing):
        return probabilities

    return smooth_labels


def _no_gradient_noise(original):
    def add_noise(self, grads):
        return list(grads)

    return add_noise


def _no_ascent(original):
    def ascent_step(gradient, step_size, norm):
        return gradient * 0

    return ascent_step


def _apply_noise_off(target: str, cases: str, *more_tests: str) -> Mutant:
    family = target.split(":")[1].split(".")[0]
    return Mutant(
        f"noise_off_{family.strip('_').lower()}",
        f"{family} returns its input when training",
        (Replace(target, _identity_apply_noise),),
        (*_level(cases), *more_tests),
    )


MUTANTS = [
    # ---------------------------------------------------------------- seeds and randomness
    Mutant(
        "seed_no_replica_fold_in",
        "replicas of MirroredStrategy draw the same noise (issue #14, item 1)",
        (
            Source(
                "keras_noise.ops.random:NoiseSeedGenerator.next",
                "if replica_context is not None and replica_context.num_replicas_in_sync > 1:",
                "if False:",
            ),
        ),
        (REPLICAS, "-k", "jitter or mc_dropout or cutout"),
    ),
    Mutant(
        "seed_generator_does_not_advance",
        "every call of a layer draws the same noise",
        (Source("keras_noise.ops.random:NoiseSeedGenerator.next", "delta=1", "delta=0"),),
        ("tests/test_random.py", "-k", "seed_generator"),
    ),
    Mutant(
        "uniform_ignores_its_seed",
        "Philox uniform draws do not depend on the seed",
        (
            Source(
                "keras_noise.ops.random:uniform",
                "key, counter = _key_counter(seed)",
                "key, counter = _key_counter(tf.zeros_like(seed))",
            ),
        ),
        ("tests/test_random.py", "-k", "seed_generator or seeded"),
    ),
    Mutant(
        "normal_has_the_wrong_scale",
        "the Box-Muller normal draws have standard deviation 1/sqrt(2)",
        (
            Source(
                "keras_noise.ops.random:normal",
                "tf.sqrt(-2.0 * tf.math.log1p(-draws[0]))",
                "tf.sqrt(-1.0 * tf.math.log1p(-draws[0]))",
            ),
        ),
        _level("jitter or activation_noise"),
    ),
    Mutant(
        "uniform_int_not_philox",
        "integer uniform draws use auto_select, not Philox (issue #14, item 6)",
        (Source("keras_noise.ops.random:uniform", "alg=_PHILOX_ALG_ID,\n", "alg=3,\n"),),
        (RNG,),
    ),
    Mutant(
        "normal_under_xla_auto_select",
        "normal draws under XLA use TF's auto_select generator, not the counter hash (issue #14,"
        " item 6; the hash replaced Philox under XLA in issue #16)",
        (
            Source(
                "keras_noise.ops.random:normal",
                "return counter_hash.normal(shape, seed, dtype)",
                "return tf.random.stateless_normal(shape, seed, dtype=dtype, alg='auto_select')",
            ),
        ),
        (RNG,),
    ),
    Mutant(
        "fused_gradient_not_the_noise",
        "the gradient of fused dropout / multiplicative noise skips the noise (issue #16)",
        (
            Source(
                "keras_noise.ops._fused:_apply",
                "return run(upstream, noise, strength, seed, noise_shape)",
                "return upstream",
            ),
        ),
        ("tests/test_fused_noise.py", "-k", "gradient"),
    ),
    Mutant(
        "fused_eager_draws_another_stream",
        "eager calls of in-model noise draw other noise than compiled ones (issue #16)",
        (
            Source(
                "keras_noise.ops._fused:_placement",
                'return "inline" if tf.executing_eagerly() else "compiled"',
                'return "philox" if tf.executing_eagerly() else "compiled"',
            ),
        ),
        ("tests/test_fused_noise.py", "-k", "same_noise"),
    ),
    # ------------------------------------------------------------------------ strengths
    Mutant(
        "strength_assignment_ignored",
        "read_strength returns the constructor's value (issue #14, item 2)",
        (
            Replace("keras_noise.layers.base:NoiseLayer.add_strength", _recording_add_strength),
            Replace(
                "keras_noise.layers.base:NoiseLayer.read_strength",
                _strength_reads(_constructor_value),
            ),
        ),
        (LEVEL,),
    ),
    Mutant(
        "strength_captured_at_trace",
        "the strength is a constant of the traced graph: assignments need a retrace (item 4)",
        (
            Replace(
                "keras_noise.layers.base:NoiseLayer.read_strength",
                _strength_reads(_captured_at_trace),
            ),
        ),
        (
            "tests/test_registry_compilation.py",
            "-k",
            "strength_assignment and (jitter or feature_mask or mixup) and not xla",
        ),
    ),
    Mutant(
        "no_noise_in_16_bit",
        "the strength reads as 0 in float16/bfloat16 layers (issue #14, item 7)",
        (
            Replace(
                "keras_noise.layers.base:NoiseLayer.read_strength",
                _strength_reads(_zero_in_16_bit),
            ),
        ),
        (LEVEL_16, "-k", "jitter or activation_noise or weight_noise"),
    ),
    Mutant(
        "no_noise_in_replicas",
        "the strength reads as 0 inside MirroredStrategy replicas (issue #14, item 7)",
        (
            Replace(
                "keras_noise.layers.base:NoiseLayer.read_strength",
                _strength_reads(_zero_in_replicas),
            ),
        ),
        (REPLICAS, "-k", "jitter or activation_noise"),
    ),
    Mutant(
        "reload_draws_from_another_seed",
        "a layer loaded from a .keras file draws other noise than the saved one (item 8)",
        (Replace("keras_noise.layers.base:NoiseLayer.from_config", _reseeded_on_load),),
        (RELOAD,),
    ),
    # ------------------------------------------------------------------ integer rounding
    Mutant(
        "integer_noise_truncated",
        "integer inputs are truncated, not rounded, after the noise (issue #14, item 5)",
        (
            Source(
                "keras_noise.layers.base:ValueRangeMixin.apply_in_value_range",
                "tf.round(noise_fn(tf.cast(inputs, tf.float32)))",
                "noise_fn(tf.cast(inputs, tf.float32))",
            ),
        ),
        ("tests/test_input_noise.py", "-k", "integer"),
    ),
    Mutant(
        "cutout_default_area_not_random_erasing",
        "Cutout() erases boxes outside RandomErasing's default area range (0.02, 0.33)",
        (
            Source(
                "keras_noise.layers.image:Cutout.__init__",
                "area_range = DEFAULT_AREA_RANGE",
                "area_range = (0.02, 0.6)",
            ),
        ),
        ("tests/test_masking.py", "-k", "defaults_erase"),
    ),
    Mutant(
        "renamed_keyword_silent",
        "A deprecated keyword (rate=, num_holes=, epsilon=, ...) is mapped without a warning",
        (Replace("keras_noise._deprecation:warn_renamed", lambda original: lambda *args: None),),
        ("tests/test_masking.py", "tests/test_labels.py", "-k", "renamed"),
    ),
    Mutant(
        "cutout_integer_mean_truncated",
        "Cutout's mean fill of integer images is truncated, not rounded (issue #14, item 5)",
        (
            Source(
                "keras_noise.ops.image:_channel_mean_fill",
                "means = tf.round(means)",
                "means = tf.floor(means)",
            ),
        ),
        ("tests/test_masking.py", "-k", "mean_fill"),
    ),
    # --------------------------------------------------------------- noise off per family
    Mutant(
        "weight_noise_off",
        "WeightNoise passes the clean kernel when training (issue #14, item 3)",
        (Replace("keras_noise.layers.weight_noise:WeightNoise.perturb", _unperturbed),),
        ("tests/test_wrappers_noise.py",),
    ),
    Mutant(
        "drop_connect_off",
        "DropConnect passes the clean kernel when training (issue #14, item 3)",
        (Replace("keras_noise.layers.weight_noise:DropConnect.perturb", _unperturbed),),
        ("tests/test_wrappers_noise.py",),
    ),
    _apply_noise_off("keras_noise.layers.input_noise:Jitter.apply_noise", "jitter"),
    _apply_noise_off(
        "keras_noise.layers.input_noise:MultiplicativeNoise.apply_noise", "multiplicative_noise"
    ),
    _apply_noise_off("keras_noise.layers.input_noise:SaltAndPepper.apply_noise", "salt_and_pepper"),
    _apply_noise_off("keras_noise.layers.image:Cutout.apply_noise", "cutout"),
    _apply_noise_off("keras_noise.layers.tabular:FeatureMask.apply_noise", "feature_mask"),
    _apply_noise_off("keras_noise.layers.text:TokenMask.apply_noise", "token_mask"),
    _apply_noise_off("keras_noise.layers.spectral:_BandMask.apply_noise", "time_mask"),
    _apply_noise_off("keras_noise.layers.sequence:TemporalDropout.apply_noise", "temporal_dropout"),
    _apply_noise_off("keras_noise.layers.audio:_WaveformLayer.apply_noise", "snr or speed"),
    _apply_noise_off("keras_noise.layers.dropout:DropPath.apply_noise", "drop_path"),
    _apply_noise_off("keras_noise.layers.dropout:MCDropout.apply_noise", "mc_dropout"),
    _apply_noise_off(
        "keras_noise.layers.activation_noise:ActivationNoise.apply_noise", "activation_noise"
    ),
    Mutant(
        "mixup_off",
        "MixUp returns the batch unmixed",
        (Replace("keras_noise.ops.mixing:mixup", _returns_inputs_unmixed),),
        _level("mixup"),
    ),
    Mutant(
        "cutmix_off",
        "CutMix returns the batch unmixed",
        (Replace("keras_noise.ops.mixing:cutmix", _returns_inputs_unmixed),),
        _level("cutmix"),
    ),
    Mutant(
        "label_smoothing_off",
        "LabelSmoothing returns the labels unsmoothed",
        (Replace("keras_noise.ops.labels:smooth_labels", _labels_unsmoothed),),
        _level("label_smoothing"),
    ),
    Mutant(
        "gradient_noise_off",
        "GradientNoise applies the clean gradients",
        (Replace("keras_noise.optimizers:GradientNoise.add_noise", _no_gradient_noise),),
        ("tests/test_optimizers.py", "-k", "variance"),
    ),
    Mutant(
        "fgsm_off",
        "FGSM returns its inputs unperturbed",
        (
            Source(
                "keras_noise.adversarial.graph:fgsm_graph",
                "x32 + epsilon * tf.sign(gradient)",
                "x32 + 0.0 * epsilon * tf.sign(gradient)",
            ),
        ),
        ("tests/test_adversarial.py", "-k", "fgsm_raises_the_loss"),
    ),
    Mutant(
        "pgd_no_ascent",
        "PGD steps do not move the input",
        (Replace("keras_noise.adversarial.graph:ascent_step", _no_ascent),),
        ("tests/test_adversarial.py", "-k", "pgd_l2_stays or pgd_is_at_least"),
    ),
    # --------------------------------------------------------------------------- mixing
    Mutant(
        "mixup_labels_not_mixed",
        "MixUp mixes the images but not the labels",
        (
            Source(
                "keras_noise.ops.mixing:_mixup_batch",
                "*mix_labels(labels, partners, lam, sample_weight)",
                "labels, sample_weight",
            ),
        ),
        ("tests/test_mixing.py", "-k", "mixup and label"),
    ),
    Mutant(
        "cutmix_area_off_by_one_row",
        "CutMix's label share counts one row more than the pasted box",
        (
            Source(
                "keras_noise.ops.mixing:_boxes",
                "area = (bottom - top) * (right - left)",
                "area = (bottom - top + 1) * (right - left)",
            ),
        ),
        ("tests/test_mixing.py", "-k", "cutmix"),
    ),
    # ----------------------------------------------- schedules, export, uncertainty
    Mutant(
        "schedule_never_applied",
        "NoiseScheduler never assigns the scheduled strengths",
        (
            Replace(
                "keras_noise.callbacks.scheduler:NoiseScheduler._assign", _no_scheduled_assignment
            ),
        ),
        ("tests/test_callbacks.py", "-k", "follows_schedule or reaches_the_traced_step"),
    ),
    Mutant(
        "export_verification_blind",
        "the SavedModel check finds no random op",
        (Replace("keras_noise.export.random_ops:find_random_ops", _no_random_ops_found),),
        ("tests/test_export.py", "-k", "random_erasing_is_flagged or random_ops_left"),
    ),
    Mutant(
        "export_keeps_a_random_layer",
        "strip_noise keeps noise layers (Keras RandomErasing erases in serve())",
        (Replace("keras_noise.export.noise_layers:inference_form", _noise_layers_kept),),
        ("tests/test_export.py", "-k", "fixes_random_erasing"),
    ),
    Mutant(
        "predict_mc_batch_norm_in_training_mode",
        "predict_mc runs the whole model with training=True (BatchNorm uses batch statistics)",
        (
            Source(
                "keras_noise.uncertainty.predict:_sampling_function",
                "outputs = model_ref()(tiled, training=False)",
                "outputs = model_ref()(tiled, training=True)",
            ),
        ),
        ("tests/test_uncertainty.py", "-k", "batch_norm"),
    ),
    # ------------------------------------------------------------------ tf.data service
    Mutant(
        "service_keys_seeded_alike_on_every_worker",
        "distribute keys elements by a seeded random op: every worker draws the same keys",
        (
            Source(
                "keras_noise.data.service:_worker_key",
                "seed=0,\n        seed2=0,",
                "seed=1,\n        seed2=1,",
            ),
        ),
        ("tests/test_data_service.py", "-k", "every_layer and jitter and parallel"),
    ),
    Mutant(
        "service_registered_once",
        "distribute registers the pipeline once: strengths assigned later never reach workers",
        (
            Source(
                "keras_noise.data.service:distribute",
                "start.map(lambda token: tf.py_function(register, [token], tf.string))",
                "tf.data.Dataset.from_tensors(register(None))",
            ),
        ),
        ("tests/test_data_service.py", "-k", "strength_assigned_between_epochs"),
    ),
]


def by_name(name: str) -> Mutant:
    """The mutant called `name`; a `MutantError` naming the known ones otherwise."""
    for mutant in MUTANTS:
        if mutant.name == name:
            return mutant
    raise MutantError(f"no mutant {name!r}; known: {', '.join(m.name for m in MUTANTS)}")
