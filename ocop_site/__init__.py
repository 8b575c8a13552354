"""ocop-site: a static site generator for Vietnam's OCOP product catalog."""

__version__ = "0.1.0"
