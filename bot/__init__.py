"""LINE Service Desk: a LINE service desk for Taiwanese government offices."""

__version__ = "0.1.0"
