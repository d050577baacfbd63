"""Uncertainty from class probabilities: predictive entropy and mutual information (BALD).

Also the per-example summaries `predict_mc` reduces its Monte-Carlo samples to (mean, std,
entropy, mutual information), computed in the same graph as the samples.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["mutual_information", "predictive_entropy"]


def predictive_entropy(probabilities) -> tf.Tensor:
    """The entropy (in nats) of class probabilities along the last axis.

    A last axis of size 1 holds the probability of the positive class of a binary (sigmoid)
    output, whose entropy is that of the Bernoulli distribution `(p, 1 - p)`.

    Args:
        probabilities: a float tensor `(..., K)` whose last axis sums to 1 (or `(..., 1)`).

    Returns:
        A float32 tensor `(...)` with values in `[0, log K]` (`[0, log 2]` for a binary output).

    Examples:
        >>> round(float(predictive_entropy([[0.5, 0.5]])[0]), 4)  # log 2
        0.6931
        >>> float(predictive_entropy([[1.0, 0.0]])[0])
        0.0
    """
    p = tf.cast(probabilities, tf.float32)
    if p.shape[-1] == 1:
        p = tf.concat([p, 1.0 - p], axis=-1)
    p = tf.clip_by_value(p, 0.0, 1.0)
    return 0.0 - tf.reduce_sum(tf.math.xlogy(p, p), axis=-1)  # 0.0 - x: no negative zero


def mutual_information(sample_probabilities) -> tf.Tensor:
    """BALD: the mutual information between the prediction and the model's weights.

    `H[mean_s p_s] - mean_s H[p_s]`: the part of the predictive entropy that comes from
    disagreement between samples (epistemic uncertainty), as opposed to each sample's own
    uncertainty. It is 0 when all samples agree.

    Args:
        sample_probabilities: a float tensor `(samples, ..., K)` of per-sample probabilities.

    Returns:
        A float32 tensor `(...)` with values in `[0, log K]` (in nats).

    Examples:
        >>> import numpy as np
        >>> agree = [[[0.5, 0.5]], [[0.5, 0.5]]]
        >>> float(mutual_information(agree)[0])
        0.0
        >>> disagree = [[[1.0, 0.0]], [[0.0, 1.0]]]
        >>> round(float(mutual_information(disagree)[0]), 4) == round(float(np.log(2.0)), 4)
        True
    """
    p = tf.cast(sample_probabilities, tf.float32)
    total = predictive_entropy(tf.reduce_mean(p, axis=0))
    expected = tf.reduce_mean(predictive_entropy(p), axis=0)
    return tf.maximum(total - expected, 0.0)


def _to_probabilities(outputs: tf.Tensor, output: str) -> tf.Tensor:
    if output != "logits":
        return outputs
    if outputs.shape[-1] == 1:
        return tf.sigmoid(outputs)
    return tf.nn.softmax(outputs, axis=-1)


def _summarize(samples: tf.Tensor, output: str) -> dict[str, tf.Tensor]:
    """Reduces `(samples, batch, ...)` float32 outputs to the per-example summaries."""
    values = _to_probabilities(samples, output)
    summary = {
        "mean": tf.reduce_mean(values, axis=0),
        "std": tf.math.reduce_std(values, axis=0),
    }
    if output != "regression":
        summary["entropy"] = predictive_entropy(summary["mean"])
        summary["mutual_information"] = mutual_information(values)
    if output == "probabilities":
        # Scalars that `predict_mc` checks on the host to reject outputs that are not
        # probabilities (a wrong `output=` would give meaningless entropies).
        summary["min"] = tf.reduce_min(values)
        summary["max"] = tf.reduce_max(values)
        if values.shape[-1] != 1:
            summary["sum_error"] = tf.reduce_max(tf.abs(tf.reduce_sum(values, axis=-1) - 1.0))
    return summary
