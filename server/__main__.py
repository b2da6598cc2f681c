"""``python -m server`` starts the language server over stdio."""

from server.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
