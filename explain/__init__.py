"""Plain-language explanations of Python source. No LSP imports: usable on its own."""
