"""reviewbot: a multi-vendor pull-request review bot for GitHub Actions."""

__version__ = "1.0.0"
