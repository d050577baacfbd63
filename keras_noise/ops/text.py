"""The math of TokenMask: BERT-style masking of integer token ids."""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from keras_noise.ops._shared import stream_uniform, stream_uniform_int


def token_mask(
    token_ids: tf.Tensor,
    rate,
    seed: tf.Tensor,
    *,
    mask_token_id: int,
    vocabulary_size: int,
    mask_token_rate: float = 0.8,
    random_token_rate: float = 0.1,
    protected_token_ids: Sequence[int] = (),
) -> tuple[tf.Tensor, tf.Tensor]:
    """Selects tokens with probability `rate` and masks, randomizes or keeps them (BERT-style).

    A selected token becomes `mask_token_id` with probability `mask_token_rate`, a token drawn
    uniformly from `[0, vocabulary_size)` with probability `random_token_rate`, and stays as it is
    otherwise (BERT's 80/10/10 by default). Tokens in `protected_token_ids` (padding, special
    tokens) are never selected.

    Args:
        token_ids: an integer tensor of any shape.
        rate: the probability that a token is selected.
        seed: a seed tensor of shape `(2,)`.
        mask_token_id: the id written into masked positions.
        vocabulary_size: the number of token ids; random replacements are drawn below it.
        mask_token_rate: the probability that a selected token becomes `mask_token_id`.
        random_token_rate: the probability that a selected token becomes a random token.
        protected_token_ids: ids that are never selected.

    Returns:
        `(new_token_ids, selected)`: the token ids (same shape and dtype) and a boolean tensor
        that is True at the selected positions (where a masked-LM loss belongs).

    Examples:
        >>> ids = tf.constant([[5, 6, 7, 0]])
        >>> new, selected = token_mask(
        ...     ids, 1.0, tf.constant([1, 2], tf.int64), mask_token_id=1, vocabulary_size=10,
        ...     mask_token_rate=1.0, random_token_rate=0.0, protected_token_ids=(0,))
        >>> new.numpy().tolist(), selected.numpy().tolist()
        ([[1, 1, 1, 0]], [[True, True, True, False]])
    """
    shape = tf.shape(token_ids)
    dtype = token_ids.dtype
    selected = stream_uniform(shape, seed) < tf.cast(rate, tf.float32)
    for token in protected_token_ids:
        selected &= token_ids != tf.cast(token, dtype)
    action = stream_uniform(shape, seed, stream=1)
    to_mask = selected & (action < mask_token_rate)
    outputs = tf.where(to_mask, tf.cast(mask_token_id, dtype), token_ids)
    if random_token_rate > 0.0:
        to_random = selected & ~to_mask & (action < mask_token_rate + random_token_rate)
        random_ids = stream_uniform_int(shape, seed, vocabulary_size, stream=2)
        outputs = tf.where(to_random, tf.cast(random_ids, dtype), outputs)
    return outputs, selected
