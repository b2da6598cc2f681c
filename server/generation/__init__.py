"""Generation core: `# nl:` requests to checked, fitted Python. No LSP imports."""
