"""LLM vendors: the provider protocol, one module per SDK, and the registry."""
