"""The ``weaver`` command: one subcommand per verb.

Each verb is a pair of functions, one adding its arguments to a subparser and one running it, registered in
:data:`COMMANDS`; client verbs living in other modules are added to that list without touching the others.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, List, Optional, Sequence, Tuple

from weaver.runtime import launcher

DEFAULT_INI = os.path.join("config", "weaver.ini")

AddArguments = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int]


def _add_ini(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ini", default=DEFAULT_INI, help=f"deployment configuration (default: {DEFAULT_INI})")


def _start(args: argparse.Namespace) -> int:
    return launcher.run(args.ini)


def _stop(args: argparse.Namespace) -> int:
    return launcher.stop(args.ini)


# (name, help, add_arguments, handler)
COMMANDS: List[Tuple[str, str, AddArguments, Handler]] = [
    ("start", "start the service in the foreground (embedded store, broker, workers, web app)", _add_ini, _start),
    ("stop", "stop a service started with `weaver start` from another terminal", _add_ini, _stop),
]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weaver", description="OGC API - Processes and WPS execution server.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, text, add_arguments, handler in COMMANDS:
        sub = commands.add_parser(name, help=text, description=text)
        add_arguments(sub)
        sub.set_defaults(handler=handler)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = make_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
