"""The command-line layer: the only package that imports click (and rich)."""
