"""The configuration file: schema, built-in defaults and the price table."""
