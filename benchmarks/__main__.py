"""`python -m benchmarks [--suite NAME] [--rounds N] [--quick] [--out DIR]`."""

import sys

from benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main())
