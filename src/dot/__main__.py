"""`python -m dot`."""

from dot.cli.app import main

main()
