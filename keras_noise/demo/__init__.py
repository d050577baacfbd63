"""`keras-noise demo`: trains with and without noise on bundled data and reports what noise buys.

`--task image` (the default) trains on scikit-learn's bundled handwritten digits (8x8 images);
`--task tabular|timeseries|text|speech` run the other data types (`keras_noise.demo.tasks`) on
data that ships inside the `demo` extra's wheels; `--task all` runs every one. Nothing is
downloaded. Recipes are written with the public API, exactly as a user would write them.
"""

from keras_noise.demo.run import DemoError, add_arguments, main

__all__ = ["DemoError", "add_arguments", "main"]
