"""Modem families as data: the AT dialect one family of cellular modules speaks for its built-in LwM2M client.

A family is a YAML file in ``modem_families/`` (or any path a profile names).
It says which commands configure the module's LwM2M client (server, endpoint,
credentials), enable and disable it, reboot it, and which unsolicited result
codes (URCs) report its registration.  The modem driver only reads this data,
so supporting a new module is writing one file, not code.  Each built-in
family names its source (the vendor manual, section) in its header; a step the
source does not document is ``null`` and the lab fills it in.

Schema (every key optional unless marked)::

    name: quectel-bc66            # required, the name profiles use
    source: "..."                 # required: where the commands come from
    line_ending: "\\r"             # what follows each command (default CR)
    ok: '^OK$'                    # final result code of success
    error: '^(ERROR|\\+CME ERROR.*)$'
    init: [ATE0, AT+CMEE=2]       # sent in order when the driver opens the port
    commands:                     # each a command, a list of commands, null (not available),
      configure: ...              #   or a mapping by security mode {nosec: ..., psk: ...}
      set_server: ...
      set_endpoint: ...
      set_credentials: ...
      queue_mode: ...             #   sent before enable: {queue_mode} is 1 when the case wants queue mode, else 0
      enable: ...
      disable: ...
      reboot: ...
      factory_reset: ...
      trigger_update: ...
      trigger_send: ...           #   a Send; {paths}: the paths the case asks for, comma-separated
    urc:                          # regular expressions over one line the module sends unasked
      registered: ...
      deregistered: ...
      registration_failed: ...
    examples:                     # a sample line of each URC (tests check the regex matches it;
      registered: ...             #   the virtual modem sends them)

Command placeholders: ``{server_uri}``, ``{server_host}``, ``{server_port}``,
``{endpoint}``, ``{lifetime}``, ``{psk_identity}``, ``{psk_key}`` (hex),
``{bootstrap_uri}``; ``{queue_mode}`` (1/0, the queue_mode step) and ``{paths}`` (the trigger_send step).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._resources import modem_families_dir
from ..errors import ConfigError

FAMILY_DIR = modem_families_dir()
STEPS = ("configure", "set_server", "set_endpoint", "set_credentials", "queue_mode", "enable", "disable", "reboot",
         "factory_reset", "trigger_update", "trigger_send")
URCS = ("registered", "deregistered", "registration_failed", "ready")
PLACEHOLDERS = ("server_uri", "server_host", "server_port", "endpoint", "lifetime", "psk_identity", "psk_key",
                "bootstrap_uri", "queue_mode", "paths")


class FamilyError(ConfigError):
    """A modem family file that cannot be used; the message names the field."""


@dataclass(frozen=True)
class ModemFamily:
    name: str
    source: str
    path: str
    line_ending: str = "\r"
    ok: re.Pattern[str] = re.compile(r"^OK$")
    error: re.Pattern[str] = re.compile(r"^(ERROR|\+CME ERROR.*|\+CMS ERROR.*)$")
    init: tuple[str, ...] = ()
    commands: dict[str, Any] = field(default_factory=dict)   # step -> list[str] | {mode: list[str]}
    urc: dict[str, re.Pattern[str]] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def step(self, name: str, security_mode: str = "nosec") -> list[str] | None:
        """The commands of one step for this security mode, or None when the family has no such step."""
        v = self.commands.get(name)
        if isinstance(v, dict):
            v = v.get(security_mode, v.get("any"))
        return list(v) if v else None

    def has(self, name: str) -> bool:
        return bool(self.commands.get(name))

    def urc_kind(self, line: str) -> str | None:
        for kind, rx in self.urc.items():
            if rx.search(line):
                return kind
        return None


def _commands(v: Any, where: str, err: Any) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise err(where, "must be an AT command, a list of commands, or null")
    for cmd in v:
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(cmd) if f is not None]
        except ValueError as exc:
            raise err(where, f"unbalanced braces in {cmd!r} ({exc})") from None
        for n in names:
            if n not in PLACEHOLDERS:
                raise err(where, f"unknown placeholder {{{n}}}; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
    return list(v)


def parse_family(data: Any, path: str) -> ModemFamily:
    def err(where: str, msg: str) -> FamilyError:
        return FamilyError(f"modem family {path}: {where}: {msg}")

    if not isinstance(data, dict):
        raise err("(top level)", "must be a mapping (name, source, commands, urc)")
    known = ("name", "source", "line_ending", "ok", "error", "init", "commands", "urc", "examples", "notes")
    for k in data:
        if k not in known:
            raise err(str(k), f"unknown field; known fields: {', '.join(known)}")
    for k in ("name", "source"):
        if not isinstance(data.get(k), str) or not data[k].strip():
            raise err(k, "is required (a non-empty string)" + ("; say which manual and section the commands come "
                                                               "from" if k == "source" else ""))

    def rx(v: Any, where: str) -> re.Pattern[str]:
        if not isinstance(v, str):
            raise err(where, "must be a regular expression (a string)")
        try:
            return re.compile(v)
        except re.error as exc:
            raise err(where, f"not a regular expression ({exc})") from None

    cmds_raw = data.get("commands") or {}
    if not isinstance(cmds_raw, dict):
        raise err("commands", "must be a mapping of step: command")
    commands: dict[str, Any] = {}
    for step, v in cmds_raw.items():
        if step not in STEPS:
            raise err(f"commands.{step}", f"unknown step; known steps: {', '.join(STEPS)}")
        if isinstance(v, dict):
            commands[step] = {m: _commands(c, f"commands.{step}.{m}", err) for m, c in v.items()}
        else:
            commands[step] = _commands(v, f"commands.{step}", err)
    urc_raw = data.get("urc") or {}
    if not isinstance(urc_raw, dict):
        raise err("urc", "must be a mapping of event: regular expression")
    urc = {}
    for k, v in urc_raw.items():
        if k not in URCS:
            raise err(f"urc.{k}", f"unknown event; known events: {', '.join(URCS)}")
        if v is not None:
            urc[k] = rx(v, f"urc.{k}")
    examples = {str(k): str(v) for k, v in (data.get("examples") or {}).items()}
    for k, line in examples.items():
        if k in urc and not urc[k].search(line):
            raise err(f"examples.{k}", f"{line!r} does not match urc.{k} ({urc[k].pattern!r})")
    init = _commands(data.get("init"), "init", err) or []
    return ModemFamily(name=data["name"], source=data["source"], path=path,
                       line_ending=str(data.get("line_ending", "\r")),
                       ok=rx(data.get("ok", r"^OK$"), "ok"),
                       error=rx(data.get("error", r"^(ERROR|\+CME ERROR.*|\+CMS ERROR.*)$"), "error"),
                       init=tuple(init), commands=commands, urc=urc, examples=examples)


def builtin_families() -> list[str]:
    return sorted(p.stem for p in FAMILY_DIR.glob("*.yaml"))


def load_family(ref: str, base: Path | None = None) -> ModemFamily:
    """A built-in family by name, or a family file by path (relative to ``base``)."""
    if "/" not in ref and not ref.endswith((".yaml", ".yml")):
        p = FAMILY_DIR / f"{ref}.yaml"
        if not p.is_file():
            raise FamilyError(f"unknown modem family {ref!r}; built-in families: {', '.join(builtin_families())}, "
                              f"or write the path of a family YAML (copy modem_families/generic.yaml)")
    else:
        p = Path(ref).expanduser()
        if not p.is_absolute() and base is not None:
            p = base / p
        if not p.is_file():
            raise FamilyError(f"modem family file {ref!r} not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FamilyError(f"modem family {p}: not valid YAML ({exc})") from None
    return parse_family(data, str(p))


def template_regex(template: str) -> re.Pattern[str]:
    """A command template as a regular expression with one named group per placeholder (virtual modem)."""
    out: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is not None:
            out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE)
