"""Text task: token masking and dropout for topic classification of short utterances.

Utterances of the `chatterbot-corpus` wheel labelled by topic (see
`keras_noise.demo.datasets.text`); a bag-of-embeddings classifier. Test texts are corrupted by
dropping tokens (replaced by the unknown id) and by replacing them with random words, both made
with `TokenMask` and a fixed seed.
"""

from __future__ import annotations

import keras

import keras_noise as kn
from keras_noise.demo.datasets import Split, load_topics_split
from keras_noise.demo.datasets.text import UNKNOWN_ID
from keras_noise.demo.tasks.base import Corruption, Experiment, Recipe, Task

MASK_RATE = 0.15
DROPOUT_RATE = 0.5


def classifier(split: Split, *, token_noise: bool, dropout: bool, seed: int) -> keras.Model:
    """Embedding 32 (padding masked), [Dropout], average pooling, Dense 32, softmax."""
    noise = []
    if token_noise:
        noise.append(
            kn.layers.TokenMask(
                rate=MASK_RATE,
                vocabulary_size=split.vocabulary_size,
                mask_token_id=UNKNOWN_ID,
                seed=seed,
            )
        )
    model = keras.Sequential(
        [
            keras.Input((split.x_train.shape[1],), dtype="int32"),
            *noise,
            keras.layers.Embedding(split.vocabulary_size, 32, mask_zero=True),
            *([keras.layers.Dropout(DROPOUT_RATE, seed=seed)] if dropout else []),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(split.num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    return model


def _recipe(description: str, **options) -> Recipe:
    return Recipe(description, lambda split, seed: classifier(split, seed=seed, **options))


RECIPES = {
    "baseline": _recipe("the classifier without noise", token_noise=False, dropout=False),
    "token_mask": _recipe(
        f"`TokenMask(rate={MASK_RATE})` on the input ids: BERT's 80% unknown id, 10% random "
        "word, 10% kept",
        token_noise=True,
        dropout=False,
    ),
    "dropout": _recipe(
        f"`keras.layers.Dropout({DROPOUT_RATE})` on the word embeddings",
        token_noise=False,
        dropout=True,
    ),
    "token_mask+dropout": _recipe("both", token_noise=True, dropout=True),
}


def _token_corruption(*, random_words: bool):
    def layer(split: Split, rate: float, seed: int) -> keras.layers.Layer:
        return kn.layers.TokenMask(
            rate=rate,
            vocabulary_size=split.vocabulary_size,
            mask_token_id=UNKNOWN_ID,
            mask_token_rate=0.0 if random_words else 1.0,
            random_token_rate=1.0 if random_words else 0.0,
            seed=seed,
            name="corruption",
        )

    return layer


CORRUPTIONS = (
    Corruption(
        "dropped_tokens",
        "dropped",
        "fraction of words replaced by the unknown id",
        (0.1, 0.2, 0.4),
        _token_corruption(random_words=False),
    ),
    Corruption(
        "replaced_tokens",
        "replaced",
        "fraction of words replaced by random words",
        (0.1, 0.2, 0.4),
        _token_corruption(random_words=True),
    ),
)

TASK = Task(
    name="text",
    summary=(
        "Topic classification of short utterances from the `chatterbot-corpus` wheel (its "
        "English question/answer files, one topic per file; distinct utterances of the topics "
        "with at least 100, at most 400 per topic), 75/25 splits drawn per seed, a vocabulary "
        "of the training words seen twice. The guides recommend token masking and dropout for "
        "text. Test texts are corrupted by dropping words (to the unknown id) and by replacing "
        "them with random words, using `TokenMask` with a fixed seed."
    ),
    packages=(
        ("chatterbot_corpus", "chatterbot-corpus"),
        ("yaml", "PyYAML"),
    ),
    experiments=(
        Experiment(
            name="topics",
            title="Chatterbot topics (short utterances)",
            load=load_topics_split,
            recipes=RECIPES,
            corruptions=CORRUPTIONS,
            headline=("replaced_tokens", 0.2),
            epochs=30,
        ),
    ),
)
