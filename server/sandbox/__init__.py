"""Sandbox core: run untrusted snippets in layered isolation. No LSP imports."""
