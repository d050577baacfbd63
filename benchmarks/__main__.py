"""`python -m benchmarks [--suite NAME] [--rounds N] [--quick] [--out DIR]`."""

import sys

from keras_noise.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
