"""TokenMask: BERT-style masking of integer token ids (masked-language-model noise).

Like every preprocessing layer it applies its noise in ``ds.map(layer)`` and in a model during
`fit`, and is the identity at inference (see `keras_noise.layers.base`). Its op is
`keras_noise.ops.text.token_mask`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from keras_noise._validation import check_float, check_int, invalid_value
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import text as text_ops


@keras.saving.register_keras_serializable(package="keras_noise")
class TokenMask(PipelineNoiseLayer):
    """Masks random tokens of integer token-id sequences, BERT-style (masked-language-model noise).

    Each token is selected with probability `rate` (tokens in `protected_token_ids`, such as
    padding and special tokens, never are, and are never changed). A selected token becomes
    `mask_token_id` with probability `mask_token_rate`, a random id drawn uniformly from
    `[0, vocabulary_size)` with probability `random_token_rate`, and is left as it is otherwise:
    BERT's 80% / 10% / 10% by default.

    `layer.strength` is `rate`: the probability that a token is selected.

    Args:
        rate: the probability that a (non-protected) token is selected, in [0, 1].
        vocabulary_size: the number of token ids, an int >= 1 (random replacements are drawn
            in `[0, vocabulary_size)`).
        mask_token_id: the id written into masked positions, in `[0, vocabulary_size)`.
        mask_token_rate: the probability that a selected token is replaced by `mask_token_id`.
        random_token_rate: the probability that a selected token is replaced by a random id;
            `mask_token_rate + random_token_rate <= 1`, the rest of the selected tokens is kept.
        protected_token_ids: ids in `[0, vocabulary_size)` that are never selected (padding,
            `[CLS]`, `[SEP]`, ...); the default protects 0, Keras' padding id. Pass `()` to
            make every id selectable.
        return_mask: if True, the layer returns `(token_ids, selected)`, where `selected` is a
            boolean tensor marking the selected positions (all False at inference), e.g. to
            weight a masked-LM loss.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: an integer tensor of token ids of any shape, e.g. `(batch, sequence)`, whose
            dtype can hold `vocabulary_size - 1`; or a `tf.data` element (the token ids are
            masked, labels pass through).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The token ids with masked tokens, same shape and integer dtype (and structure); with
        `return_mask=True`, the pair `(token_ids, selected)` in place of the token ids.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.TokenMask(rate=0.5, vocabulary_size=100, mask_token_id=1, seed=0)
        >>> ids = np.array([[7, 8, 9, 10, 11, 12, 0, 0]], "int32")
        >>> out = np.asarray(layer(ids))
        >>> out.dtype.name, bool(np.all(out[0, 6:] == 0)), bool(np.all((out >= 0) & (out < 100)))
        ('int32', True, True)

    References:
        Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
        Understanding", NAACL 2019.
    """

    strength_name = "rate"
    strength_bounds = {"low": 0.0, "high": 1.0}

    def __init__(
        self,
        rate: float = 0.15,
        *,
        vocabulary_size: int,
        mask_token_id: int,
        mask_token_rate: float = 0.8,
        random_token_rate: float = 0.1,
        protected_token_ids: Sequence[int] = (0,),
        return_mask: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.vocabulary_size = check_int("vocabulary_size", vocabulary_size, low=1)
        in_vocabulary = {"low": 0, "high": self.vocabulary_size - 1}
        self.mask_token_id = check_int("mask_token_id", mask_token_id, **in_vocabulary)
        self.mask_token_rate = check_float("mask_token_rate", mask_token_rate, low=0.0, high=1.0)
        self.random_token_rate = check_float(
            "random_token_rate", random_token_rate, low=0.0, high=1.0 - self.mask_token_rate
        )
        if isinstance(protected_token_ids, (str, bytes)) or not isinstance(
            protected_token_ids, Sequence
        ):
            raise invalid_value(
                "protected_token_ids",
                f"a sequence of integers in [0, {self.vocabulary_size - 1}]",
                protected_token_ids,
            )
        self.protected_token_ids = tuple(
            check_int("protected_token_ids", token, **in_vocabulary)
            for token in protected_token_ids
        )
        if not isinstance(return_mask, bool):
            raise invalid_value("return_mask", "True or False", return_mask)
        self.return_mask = return_mask

    def call(self, inputs, training=None):
        dtype = tf.as_dtype(inputs.dtype)
        if not dtype.is_integer:
            raise TypeError(
                f"Invalid input dtype for layer '{self.name}': expected an integer tensor of "
                f"token ids. Received: dtype={dtype.name}"
            )
        if self.vocabulary_size - 1 > dtype.max:
            raise ValueError(
                f"Invalid value for `vocabulary_size` of layer '{self.name}': expected at most "
                f"{dtype.max + 1} for {dtype.name} token ids, so that every id fits. "
                f"Received: vocabulary_size={self.vocabulary_size}"
            )
        if self.noise_is_active(training):
            return self.apply_noise(inputs)
        if self.return_mask:
            return inputs, tf.zeros_like(inputs, dtype=tf.bool)
        return inputs

    def apply_noise(self, inputs):
        token_ids, selected = text_ops.token_mask(
            inputs,
            self.read_strength(self.strength, tf.float32),
            self.seed_generator.next(),
            mask_token_id=self.mask_token_id,
            vocabulary_size=self.vocabulary_size,
            mask_token_rate=self.mask_token_rate,
            random_token_rate=self.random_token_rate,
            protected_token_ids=self.protected_token_ids,
        )
        return (token_ids, selected) if self.return_mask else token_ids

    def compute_output_shape(self, input_shape):
        return (input_shape, input_shape) if self.return_mask else input_shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        token_ids = keras.KerasTensor(inputs.shape, dtype=inputs.dtype)
        if self.return_mask:
            return token_ids, keras.KerasTensor(inputs.shape, dtype="bool")
        return token_ids

    def compute_mask(self, inputs, mask=None):
        return (mask, mask) if self.return_mask else mask

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "mask_token_id": self.mask_token_id,
            "mask_token_rate": self.mask_token_rate,
            "random_token_rate": self.random_token_rate,
            "protected_token_ids": self.protected_token_ids,
            "return_mask": self.return_mask,
        }
