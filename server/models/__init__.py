"""Model runtime core: backends behind one interface, the bundled model, one loaded instance.

No LSP imports; see ``base.py`` for the contract.
"""
