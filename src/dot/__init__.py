"""dot: a safe, fast, Stow-compatible dotfile manager."""

__version__ = "0.1.0"
