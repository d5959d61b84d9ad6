"""reviewbot's benchmark harness: ``python -m bench`` (not part of the pytest run)."""
