"""Footfall: a people counter for shops. This package is the service."""

__version__ = "0.1.0"

__all__ = ["__version__"]
