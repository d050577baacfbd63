"""Registry cases, one module per area of the package; see tests/registry.py."""
