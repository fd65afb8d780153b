"""The vendor declaration (ETSI TS 103 701 ICS and IXIT): loading a file, its schema, and what it is judged on.

``--declaration FILE`` gives the suites a device model's declaration (:mod:`.schema` says what it may contain).
:func:`load` reads and validates it: a broken file is a :class:`~meterproof.errors.ConfigError` of one line,
``declaration FILE: field.path: what to write``.  :mod:`.documentary` judges the provisions no wire test can
(a published disclosure policy, a support period ...) from the declared answers; the wire checks of
suites/regulatory compare what the device does with what it declares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .._resources import resource_dir
from ..errors import ConfigError
from ..profile_schema import one_line
from .schema import DeclarationDoc, json_schema


@dataclass(frozen=True)
class Declaration:
    """A validated declaration and where it came from (the report records its file and SHA-256)."""

    doc: DeclarationDoc
    source: str
    sha256: str

    def evidence(self) -> dict[str, str]:
        return {"file": self.source, "sha256": self.sha256, "product": self.doc.product.model_designation,
                "signed_by": self.doc.signed_by or "(not signed)"}


def validate(data: Any, src: str = "<dict>") -> DeclarationDoc:
    if not isinstance(data, dict):
        raise ConfigError(f"declaration {src}: (top level): must be a mapping of fields (product, "
                          f"constrained_device, ics, ixit)")
    try:
        return DeclarationDoc.model_validate(data)
    except ValidationError as exc:
        where, msg = one_line(exc)
        raise ConfigError(f"declaration {src}: {where}: {msg}") from None


def load(path: str | Path) -> Declaration:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"declaration {p}: file not found; pass --declaration with the path of a vendor "
                          f"declaration (example: {example_path()})")
    raw = p.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise ConfigError(f"declaration {p}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"declaration {p}: not UTF-8 text") from None
    return Declaration(validate(data, str(p)), str(p), hashlib.sha256(raw).hexdigest())


def example_path() -> Path:
    """The example declaration of meterproof's simulated meter (shipped in the wheel)."""
    return resource_dir("fixtures/declarations") / "sim-meter.yaml"


__all__ = ["Declaration", "DeclarationDoc", "example_path", "json_schema", "load", "validate"]
