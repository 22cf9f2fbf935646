"""Equinet: a booking platform for horse care."""

__version__ = "0.1.0"
