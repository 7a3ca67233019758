"""The `ideko` command line: the only layer that may import both compiler and runtime."""
