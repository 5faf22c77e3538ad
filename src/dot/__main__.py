"""`python -m dot`."""

from dot.cli.app import console

console()
