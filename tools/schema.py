"""``meterproof schema profile|declaration [-o FILE]``: the JSON Schema of a device profile or of a vendor
declaration (meterproof.declaration.schema), for editors.

An editor with a YAML language server validates a profile as it is typed once the file names the
schema (docs/DEVICES.md): ``# yaml-language-server: $schema=profile.schema.json``.  The schema is
generated from the pydantic models that meterproof itself validates profiles with
(:mod:`meterproof.profile_schema`), so the two cannot disagree on a field's type or values; the
checks that need more than the file (paths, environment variables, modem families) are meterproof's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from meterproof.errors import ConfigError

#: what the command can describe -> function returning the JSON Schema
KINDS = {"profile": "meterproof.profile_schema:json_schema",
         "declaration": "meterproof.declaration.schema:json_schema"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=sorted(KINDS), help="which file's schema: profile (a device profile) or "
                        "declaration (a vendor declaration, ETSI TS 103 701 ICS and IXIT)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    import importlib
    module, func = KINDS[args.kind].split(":")
    text = json.dumps(getattr(importlib.import_module(module), func)(), indent=2, ensure_ascii=False) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote the {args.kind} schema to {args.output}", file=sys.stderr)
    return 0
