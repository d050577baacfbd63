"""The package version, read by pyproject.toml and re-exported as `keras_noise.__version__`."""

__version__ = "0.1.0"
