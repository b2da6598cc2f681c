"""``python -m prosepy.server`` starts the language server over stdio."""

from prosepy.server.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
