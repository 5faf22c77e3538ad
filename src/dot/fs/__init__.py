"""Filesystem adapters behind one small port (see `dot.fs.port`)."""
