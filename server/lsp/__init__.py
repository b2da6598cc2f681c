"""The LSP layer: thin adapters from protocol messages to the cores."""
