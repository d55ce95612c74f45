"""Dân vận Desktop: offline recording, merging and reporting of mass-mobilisation work."""

__version__ = "0.1.0"
