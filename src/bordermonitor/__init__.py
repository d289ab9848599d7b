"""bordermonitor: documentation, tracing and reporting for border monitors."""

__version__ = "0.1.0"
