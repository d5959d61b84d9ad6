"""The run: diff bytes to a priced Review (chains, budget, routing, pricing, merge)."""
