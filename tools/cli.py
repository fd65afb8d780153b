"""The ``meterproof`` console script: a small dispatcher to one module per subcommand.

Each subcommand module exposes ``add_arguments(parser)`` and ``run(args) -> int``;
register it in :data:`SUBCOMMANDS`.  ``run`` and ``list-cases`` hand every argument to
pytest unchanged (:data:`PYTEST_COMMANDS`).  Bad user input ends in one line on stderr
and exit status 2; a closed stdout (``meterproof simulate --list-defects | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from meterproof.errors import ConfigError

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("meterproof.tools.simulate", "run the reference smart meter against an LwM2M server"),
    "report": ("meterproof.tools.report", "turn runs (results JSON files or folders) into a self-contained HTML "
                                          "conformance report and a JSON summary (report RESULTS... -o DIR)"),
    "schema": ("meterproof.tools.schema", "write the JSON Schema of a device profile or a vendor declaration "
                                          "(schema profile|declaration [-o FILE]) for editors that validate YAML "
                                          "as it is typed"),
}

#: subcommands whose arguments all go to pytest -> (module, one-line help); the module has main(args) -> int
PYTEST_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("meterproof.tools.run", "run the conformance suites (every option goes to pytest: -n, --alluredir, "
                                    "--dut-profile, --case ...; 'meterproof run --help' lists them)"),
    "list-cases": ("meterproof.tools.list_cases", "print every case ID with its title, group and whether it "
                                                  "applies to the device (--dut-profile P)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meterproof", description="LwM2M smart-meter conformance tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module, help_text) in PYTEST_COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text, add_help=False)
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def _quiet_broken_pipe() -> int:
    """The reader of our stdout went away (``| head``): stop quietly, as a Unix filter does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())   # the interpreter's final flush must not complain either
    except (OSError, ValueError):
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in PYTEST_COMMANDS:
            return int(importlib.import_module(PYTEST_COMMANDS[argv[0]][0]).main(argv[1:]))
        parser = build_parser()
        args = parser.parse_args(argv)
        try:
            return int(importlib.import_module(args._module).run(args) or 0)
        except ConfigError as exc:
            print(f"meterproof {args.command}: error: {exc}", file=sys.stderr)
            return 2
    except BrokenPipeError:
        return _quiet_broken_pipe()


if __name__ == "__main__":
    sys.exit(main())
