"""JPEG compression as batched tensor ops: color transform, 8x8 DCT, quantization, inverse.

`tf.image.adjust_jpeg_quality` encodes and decodes one image per call (a `map_fn` over a batch);
this module runs baseline JPEG's lossy steps on the whole batch instead: JFIF YCbCr, 4:2:0
chroma subsampling (2x2 means), the orthonormal 8x8 DCT-II as two matrix products per block,
rounding to the quality-scaled quantization tables of the JPEG standard (ITU-T T.81 Annex K,
scaled as the IJG library does), then the inverse steps with bilinear chroma upsampling and
rounding to 8-bit levels. The entropy coding is lossless and skipped. Results match an encoder's
up to its rounding and upsampling details, not bit for bit.

Quality per severity 1-5 is CIFAR-10-C's (Hendrycks and Dietterich, ICLR 2019); blocks are 8x8
pixels on any image size, so small images lose relatively more.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

#: JPEG quality (1-100).
QUALITY = (80, 65, 58, 50, 40)

_LUMA_TABLE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    np.float64,
)
_CHROMA_TABLE = np.full((8, 8), 99.0)
_CHROMA_TABLE[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]


def quantization_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The IJG scaling of a base table to `quality`: 5000/q below 50, else 200 - 2q percent."""
    scale = 5000.0 / quality if quality < 50 else 200.0 - 2.0 * quality
    return np.clip(np.floor((base * scale + 50.0) / 100.0), 1, 255).astype(np.float32)


def _dct_matrix() -> np.ndarray:
    k, n = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    matrix = np.cos((2 * n + 1) * k * math.pi / 16) * math.sqrt(2 / 8)
    matrix[0] /= math.sqrt(2)
    return matrix.astype(np.float32)


_DCT = _dct_matrix()


def _edge_pad(plane: tf.Tensor, multiple: int) -> tf.Tensor:
    """Pads `(batch, height, width)` up to multiples of `multiple` by repeating the last pixels."""
    height, width = plane.shape[1], plane.shape[2]
    rows = -(-height // multiple) * multiple
    cols = -(-width // multiple) * multiple
    if rows != height:
        plane = tf.gather(plane, np.minimum(np.arange(rows), height - 1), axis=1)
    if cols != width:
        plane = tf.gather(plane, np.minimum(np.arange(cols), width - 1), axis=2)
    return plane


def _quantize_blocks(plane: tf.Tensor, table: np.ndarray) -> tf.Tensor:
    """DCT, quantization and inverse DCT of the 8x8 blocks of `(batch, H, W)` (multiples of 8)."""
    height, width = plane.shape[1], plane.shape[2]
    blocks = tf.reshape(plane - 128.0, [-1, height // 8, 8, width // 8, 8])
    blocks = tf.transpose(blocks, [0, 1, 3, 2, 4])  # (batch, rows, cols, 8, 8)
    dct = tf.constant(_DCT)
    coefficients = dct @ blocks @ tf.transpose(dct)
    coefficients = tf.round(coefficients / table) * table
    restored = tf.transpose(dct) @ coefficients @ dct
    restored = tf.transpose(restored, [0, 1, 3, 2, 4])
    return tf.reshape(restored, [-1, height, width]) + 128.0


def _compress_plane(plane: tf.Tensor, table: np.ndarray, subsample: bool) -> tf.Tensor:
    height, width = plane.shape[1], plane.shape[2]
    if not subsample:
        return _quantize_blocks(_edge_pad(plane, 8), table)[:, :height, :width]
    padded = _edge_pad(plane, 16)
    small = tf.nn.avg_pool2d(padded[..., None], 2, 2, "VALID")[..., 0]
    small = _quantize_blocks(small, table)
    large = tf.image.resize(small[..., None], padded.shape[1:3], method="bilinear")[..., 0]
    return large[:, :height, :width]


def jpeg_compression(images: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    """Baseline JPEG's lossy steps at the severity's quality (no randomness)."""
    quality = QUALITY[severity - 1]
    luma_table = quantization_table(_LUMA_TABLE, quality)
    levels = tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0)
    if images.shape[-1] == 1:
        out = _compress_plane(levels[..., 0], luma_table, subsample=False)[..., None]
        return tf.clip_by_value(tf.round(out), 0.0, 255.0) / 255.0
    chroma_table = quantization_table(_CHROMA_TABLE, quality)
    red, green, blue = tf.unstack(levels, axis=-1)
    y = 0.299 * red + 0.587 * green + 0.114 * blue
    cb = -0.168736 * red - 0.331264 * green + 0.5 * blue + 128.0
    cr = 0.5 * red - 0.418688 * green - 0.081312 * blue + 128.0
    y = _compress_plane(y, luma_table, subsample=False)
    cb = _compress_plane(cb, chroma_table, subsample=True) - 128.0
    cr = _compress_plane(cr, chroma_table, subsample=True) - 128.0
    rgb = tf.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], axis=-1)
    return tf.clip_by_value(tf.round(rgb), 0.0, 255.0) / 255.0
