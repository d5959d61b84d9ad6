"""Deterministic checks that need no model: committed secrets, prompt injection."""
