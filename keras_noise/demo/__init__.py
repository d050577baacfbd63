"""`keras-noise demo`: trains with and without noise on bundled data and reports what noise buys.

The data is scikit-learn's bundled handwritten digits (8x8 images, no download). Recipes are
written with the public API in `keras_noise.demo.recipes`, exactly as a user would write them.
"""

from keras_noise.demo.run import DemoError, add_arguments, main

__all__ = ["DemoError", "add_arguments", "main"]
