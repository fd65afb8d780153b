"""Write DDF XML files from compact Python tables; also the source of the project's ``objects/``.

Each object below is a table of facts (ids, names, types, operations,
multiplicity, mandatory flags, ranges, units) taken from the OMNA LwM2M
registry, with descriptions written for meterproof in our own words.  The
emitted files use the LwM2M 1.1 DDF form (element order of LWM2M-v1_1.xsd).

Usage::

    python -m meterproof.tools.ddf_author            # rewrite objects/*.xml from the tables
    python -m meterproof.tools.ddf_author --check    # exit 1 if objects/ differs from the tables

To author a vendor DDF, build an :class:`Obj` of :class:`Res` rows and call
:func:`render`; a row reads like the DDF it becomes::

    R(1, "Cumulated water volume", "R", "1", "M", "Float", "", "m3", "Total volume through the meter.")
     id  name                      ops  multiple(1|N) mandatory(M|O) type  range units description
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping
from xml.sax.saxutils import escape

from meterproof._resources import objects_dir

OBJECTS_DIR = objects_dir()


@dataclass(frozen=True)
class Res:
    """One resource row: see the module docstring for the column order."""

    id: int
    name: str
    ops: str          # "R", "W", "RW", "E" or "" (no DM-server access)
    mult: str         # "1" single, "N" multiple
    mand: str         # "M" mandatory, "O" optional
    type: str         # DDF spelling; "" for executables
    range: str = ""
    units: str = ""
    desc: str = ""


def R(id: int, name: str, ops: str, mult: str, mand: str, type: str,
      range: str = "", units: str = "", desc: str = "") -> Res:
    """Shorthand constructor, so a table row fits on one line."""
    if mult not in ("1", "N") or mand not in ("M", "O"):
        raise ValueError(f"resource {id}: multiplicity must be 1|N and mandatory M|O")
    return Res(id, name, ops, mult, mand, "" if type == "none" else type, range, units, desc)


@dataclass(frozen=True)
class Obj:
    """One object: its header facts, our description and its resource rows."""

    id: int
    name: str
    version: str
    lwm2m: str
    urn: str
    multiple: bool
    mandatory: bool
    desc: str
    resources: tuple[Res, ...]
    source: str = ""          # "object N version V" of the registry the facts come from
    note: str = ""            # why this version / this object was chosen
    file: str = ""            # file name; default "<id>.xml"

    @property
    def filename(self) -> str:
        return self.file or f"{self.id}.xml"


def derive(base: Obj, *, version: str, lwm2m: str, urn: str, keep: Iterable[int],
           changes: Mapping[int, Mapping[str, str]] | None = None, note: str = "") -> Obj:
    """An older version of ``base``: only the ``keep`` resources, with per-resource field ``changes``."""
    changes = changes or {}
    keep = set(keep)
    rows = tuple(dataclasses.replace(r, **changes.get(r.id, {})) for r in base.resources if r.id in keep)
    vtag = version.replace(".", "_")
    return dataclasses.replace(
        base, version=version, lwm2m=lwm2m, urn=urn, resources=rows,
        source=f"object {base.id} version {version}", note=note, file=f"{base.id}-{vtag}.xml")


# -- rendering ------------------------------------------------------------------

def _el(indent: int, tag: str, text: str) -> str:
    return f"{' ' * indent}<{tag}>{escape(text)}</{tag}>"


def render(obj: Obj) -> str:
    """The DDF XML text of ``obj`` (LWM2M-v1_1.xsd element order)."""
    ids = [r.id for r in obj.resources]
    if len(ids) != len(set(ids)):
        raise ValueError(f"object {obj.id}: duplicate resource ids")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- Facts from the OMNA LwM2M registry, {obj.source or f'object {obj.id} version {obj.version}'};"
        " the descriptions are meterproof's own. Written by tools/ddf_author.py. -->",
    ]
    if obj.note:
        if "--" in obj.note:
            raise ValueError(f"object {obj.id}: '--' cannot appear in an XML comment")
        lines.append(f"<!-- {escape(obj.note)} -->")
    lines += [
        '<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:noNamespaceSchemaLocation="http://www.openmobilealliance.org/tech/profiles/LWM2M-v1_1.xsd">',
        '  <Object ObjectType="MODefinition">',
        _el(4, "Name", obj.name),
        _el(4, "Description1", obj.desc),
        _el(4, "ObjectID", str(obj.id)),
        _el(4, "ObjectURN", obj.urn),
        _el(4, "LWM2MVersion", obj.lwm2m),
        _el(4, "ObjectVersion", obj.version),
        _el(4, "MultipleInstances", "Multiple" if obj.multiple else "Single"),
        _el(4, "Mandatory", "Mandatory" if obj.mandatory else "Optional"),
        "    <Resources>",
    ]
    for r in sorted(obj.resources, key=lambda r: r.id):
        lines += [
            f'      <Item ID="{r.id}">',
            _el(8, "Name", r.name),
            _el(8, "Operations", r.ops),
            _el(8, "MultipleInstances", "Multiple" if r.mult == "N" else "Single"),
            _el(8, "Mandatory", "Mandatory" if r.mand == "M" else "Optional"),
            _el(8, "Type", r.type),
            _el(8, "RangeEnumeration", r.range),
            _el(8, "Units", r.units),
            _el(8, "Description", r.desc),
            "      </Item>",
        ]
    lines += ["    </Resources>", "    <Description2></Description2>", "  </Object>", "</LWM2M>", ""]
    return "\n".join(lines)


# -- shared resource groups -------------------------------------------------------
# Reusable resources (registry Common.xml ids 5518, 6000-6050) that several objects carry.

UCIFI_QUALITY = (
    R(5518, "Timestamp", "R", "1", "O", "Time", "", "", "When the values of this instance were measured."),
    R(6042, "Measurement Quality Indicator", "R", "1", "O", "Integer", "0..23", "",
      "Code saying how trustworthy the measurement is (0 means a normal reading)."),
    R(6049, "Measurement Quality Level", "R", "1", "O", "Integer", "0..100", "",
      "Confidence in the measurement, from 0 (none) to 100 (full)."),
    R(6050, "Fractional Timestamp", "R", "1", "O", "Float", "0..1", "s",
      "Sub-second part of the timestamp."),
)

INTERVAL_DATA = (
    R(6000, "Interval Period", "R", "1", "M", "Integer", "1..864000", "s", "Length of one recording interval."),
    R(6001, "Interval Start Offset", "R", "1", "O", "Integer", "0..86399", "s",
      "Seconds after midnight at which the first interval of a day begins."),
    R(6002, "Interval UTC Offset", "R", "1", "O", "String", "", "",
      "Time zone the interval boundaries are aligned to, e.g. UTC+10."),
    R(6003, "Interval Collection Start Time", "R", "1", "M", "Time", "", "", "When recording began."),
    R(6004, "Oldest Recorded Interval", "R", "1", "M", "Time", "", "", "Start of the oldest interval still stored."),
    R(6005, "Last Delivered Interval", "RW", "1", "O", "Time", "", "",
      "Start of the last interval the server has received; the server may move it back to ask again."),
    R(6006, "Latest Recorded Interval", "R", "1", "M", "Time", "", "", "Start of the newest complete interval."),
    R(6007, "Interval Delivery Midnight Aligned", "RW", "1", "M", "Boolean", "", "",
      "True when deliveries only carry intervals up to the last midnight."),
    R(6008, "Interval Historical Read", "E", "1", "O", "none", "", "",
      "Ask for stored intervals between two times given as arguments."),
    R(6009, "Interval Historical Read Payload", "R", "1", "O", "Opaque", "", "",
      "Result of the last historical read."),
    R(6010, "Interval Change Configuration", "E", "1", "O", "none", "", "",
      "Change the interval period or offsets, given as arguments."),
    R(6026, "Start", "E", "1", "O", "none", "", "", "Begin recording."),
    R(6027, "Stop", "E", "1", "O", "none", "", "", "Stop recording."),
    R(6028, "Status", "R", "1", "O", "Integer", "", "", "Recording state (stopped, running, ...)."),
    R(6029, "Latest Payload", "R", "1", "M", "Opaque", "", "",
      "The intervals recorded since the last delivery, encoded for transfer."),
)

EVENT_DATA = (
    R(6011, "Event Type", "RW", "1", "M", "Integer", "", "", "Kind of event: plain event, alarm, or both."),
    R(6012, "Alarm Realtime", "RW", "1", "M", "Boolean", "", "",
      "True to report the alarm as soon as it is raised instead of with the next delivery."),
    R(6013, "Alarm State", "R", "1", "O", "Boolean", "", "", "True while the alarm condition holds."),
    R(6014, "Alarm Set Threshold", "RW", "1", "O", "Float", "", "", "Value at which the alarm is raised."),
    R(6015, "Alarm Set Operator", "RW", "1", "O", "Integer", "", "",
      "Comparison used with the set threshold (greater than, less than, ...)."),
    R(6016, "Alarm Clear Threshold", "RW", "1", "O", "Float", "", "", "Value at which the alarm clears."),
    R(6017, "Alarm Clear Operator", "RW", "1", "O", "Integer", "", "", "Comparison used with the clear threshold."),
    R(6018, "Alarm Maximum Event Count", "RW", "1", "O", "Integer", "", "",
      "Most alarms of this kind reported within one event period."),
    R(6019, "Alarm Maximum Event Period", "RW", "1", "O", "Integer", "1..864000", "s",
      "Window in which the event count limit applies."),
    R(6020, "Latest Delivered Event Time", "RW", "1", "O", "Time", "", "",
      "Time of the newest event the server has received."),
    R(6021, "Latest Recorded Event Time", "R", "1", "M", "Time", "", "", "Time of the newest event recorded."),
    R(6022, "Alarm Clear", "E", "1", "O", "none", "", "", "Clear the alarm by hand."),
    R(6023, "Alarm Auto Clear", "RW", "1", "O", "Boolean", "", "",
      "True to clear the alarm by itself once the clear condition holds."),
    R(6024, "Event Code", "R", "1", "M", "Integer", "100..255", "", "Numeric code of this event kind."),
    R(6025, "Latest Payload", "R", "1", "M", "Opaque", "", "", "Events recorded since the last delivery."),
)


# -- core objects -------------------------------------------------------------------

SECURITY = Obj(
    0, "LWM2M Security", "1.2", "1.1", "urn:oma:lwm2m:oma:0:1.2", True, True,
    "Where a (bootstrap) server lives and the keys to reach it. Written only by the "
    "bootstrap server; other servers must not see it.",
    note="Version 1.2 (LwM2M 1.1 era, resources 0-30) is used so that 1.1 devices' "
         "resources 13-15 and the TLS/OSCORE links are known; 0-1_0.xml covers 1.0 devices.",
    resources=(
        R(0, "LWM2M Server URI", "", "1", "M", "String", "0..255", "",
          "URI of the server, e.g. coaps://host:5684."),
        R(1, "Bootstrap-Server", "", "1", "M", "Boolean", "", "",
          "True if this instance describes the bootstrap server."),
        R(2, "Security Mode", "", "1", "M", "Integer", "0..4", "",
          "How the client authenticates: 0 PSK, 1 RPK, 2 none, 3 certificate, 4 certificate with EST."),
        R(3, "Public Key or Identity", "", "1", "M", "Opaque", "", "",
          "The client's PSK identity, raw public key or certificate."),
        R(4, "Server Public Key", "", "1", "M", "Opaque", "", "",
          "The server's raw public key or certificate, or a trust anchor."),
        R(5, "Secret Key", "", "1", "M", "Opaque", "", "",
          "The client's PSK or private key; never readable by any server."),
        R(6, "SMS Security Mode", "", "1", "O", "Integer", "0..255", "", "How SMS traffic is protected."),
        R(7, "SMS Binding Key Parameters", "", "1", "O", "Opaque", "6", "", "Key parameters for secured SMS."),
        R(8, "SMS Binding Secret Key(s)", "", "1", "O", "Opaque", "16,32,48", "", "Secret keys for secured SMS."),
        R(9, "LwM2M Server SMS Number", "", "1", "O", "String", "", "", "The server's MSISDN for SMS."),
        R(10, "Short Server ID", "", "1", "O", "Integer", "1..65534", "",
          "Links this instance to the Server object instance with the same id."),
        R(11, "Client Hold Off Time", "", "1", "O", "Integer", "", "s",
          "Seconds to wait before starting client-initiated bootstrap."),
        R(12, "Bootstrap-Server Account Timeout", "", "1", "O", "Integer", "", "s",
          "After this many seconds the bootstrap server account is removed (0: kept)."),
        R(13, "Matching Type", "", "1", "O", "Unsigned Integer", "0..3", "",
          "How the server certificate is matched: exact, SHA-256, SHA-384 or SHA-512."),
        R(14, "SNI", "", "1", "O", "String", "", "", "Host name sent in the TLS/DTLS Server Name Indication."),
        R(15, "Certificate Usage", "", "1", "O", "Unsigned Integer", "0..3", "",
          "How the server certificate is trusted (CA constraint, service constraint, trust anchor, domain)."),
        R(16, "DTLS/TLS Ciphersuite", "", "N", "O", "Unsigned Integer", "", "",
          "IANA numbers of the cipher suites the client may offer."),
        R(17, "OSCORE Security Mode", "", "1", "O", "Objlnk", "", "", "Link to the OSCORE object instance to use."),
        R(18, "Groups To Use by Client", "", "N", "O", "Unsigned Integer", "0..65535", "",
          "Key-exchange groups the client offers (TLS 1.3)."),
        R(19, "Signature Algorithms Supported by Server", "", "N", "O", "Unsigned Integer", "0..65535", "",
          "Signature algorithms the server accepts."),
        R(20, "Signature Algorithms To Use by Client", "", "N", "O", "Unsigned Integer", "0..65535", "",
          "Signature algorithms the client offers."),
        R(21, "Signature Algorithm Certs Supported by Server", "", "N", "O", "Unsigned Integer", "0..65535", "",
          "Signature algorithms the server accepts in certificates."),
        R(22, "TLS 1.3 Features To Use by Client", "", "1", "O", "Unsigned Integer", "0..65535", "",
          "Bit mask of optional TLS 1.3 features the client uses."),
        R(23, "TLS Extensions Supported by Server", "", "1", "O", "Unsigned Integer", "0..65535", "",
          "Bit mask of TLS extensions the server supports."),
        R(24, "TLS Extensions To Use by Client", "", "1", "O", "Unsigned Integer", "0..65535", "",
          "Bit mask of TLS extensions the client sends."),
        R(25, "Secondary LwM2M Server URI", "", "N", "O", "String", "0..255", "",
          "Other URIs at which the same server can be reached."),
        R(26, "MQTT Server", "", "1", "O", "Objlnk", "", "", "Link to an MQTT server object instance."),
        R(27, "LwM2M COSE Security", "", "N", "O", "Objlnk", "", "", "Links to COSE security object instances."),
        R(28, "RDS Destination Port", "", "1", "O", "Integer", "0..15", "",
          "NIDD Reliable Data Service destination port."),
        R(29, "RDS Source Port", "", "1", "O", "Integer", "0..15", "", "NIDD Reliable Data Service source port."),
        R(30, "RDS Application ID", "", "1", "O", "String", "", "", "NIDD Reliable Data Service application id."),
    ),
)

SECURITY_1_0 = derive(
    SECURITY, version="1.0", lwm2m="1.0", urn="urn:oma:lwm2m:oma:0", keep=range(13),
    changes={0: {"range": "0-255 bytes"}, 2: {"range": "0-4"}, 6: {"range": "0-255"},
             7: {"range": "6 bytes"}, 8: {"range": "16-32-48 bytes"}, 10: {"range": "1-65534"}},
    note="LwM2M 1.0 form (the registry file has no version elements: implicit 1.0).")

SERVER = Obj(
    1, "LwM2M Server", "1.2", "1.2", "urn:oma:lwm2m:oma:1:1.2", True, True,
    "How the client registers with one server: lifetime, binding, default observation periods.",
    note="Version 1.2 is the registry's newest; it contains every 1.1 resource (0-23). 1-1_0.xml covers 1.0.",
    resources=(
        R(0, "Short Server ID", "R", "1", "M", "Integer", "1..65534", "", "Id that names this server on the device."),
        R(1, "Lifetime", "RW", "1", "M", "Integer", "", "s", "Registration lifetime the client asks for."),
        R(2, "Default Minimum Period", "RW", "1", "O", "Integer", "", "s",
          "pmin used when an observation gives none."),
        R(3, "Default Maximum Period", "RW", "1", "O", "Integer", "", "s",
          "pmax used when an observation gives none."),
        R(4, "Disable", "E", "1", "O", "none", "", "",
          "Deregister and stay away from this server for the disable timeout."),
        R(5, "Disable Timeout", "RW", "1", "O", "Integer", "", "s", "How long Disable lasts (default one day)."),
        R(6, "Notification Storing When Disabled or Offline", "RW", "1", "M", "Boolean", "", "",
          "True to queue notifications while the server is unreachable."),
        R(7, "Binding", "RW", "1", "M", "String", "", "", "Transports to use with this server, e.g. U or UQ."),
        R(8, "Registration Update Trigger", "E", "1", "M", "none", "", "",
          "Make the client send a registration update now."),
        R(9, "Bootstrap-Request Trigger", "E", "1", "O", "none", "", "",
          "Make the client start a bootstrap now."),
        R(10, "APN Link", "RW", "1", "O", "Objlnk", "", "", "APN connection profile used to reach this server."),
        R(11, "TLS-DTLS Alert Code", "R", "1", "O", "Unsigned Integer", "0..255", "",
          "Last (D)TLS alert the client got from this server."),
        R(12, "Last Bootstrapped", "R", "1", "O", "Time", "", "", "When this instance was last bootstrapped."),
        R(13, "Registration Priority Order", "R", "1", "O", "Unsigned Integer", "", "",
          "Order in which servers are registered to (lower first)."),
        R(14, "Initial Registration Delay Timer", "RW", "1", "O", "Unsigned Integer", "", "s",
          "Wait before registering to this server."),
        R(15, "Registration Failure Block", "R", "1", "O", "Boolean", "", "",
          "True if failing to register here stops registration to lower-priority servers."),
        R(16, "Bootstrap on Registration Failure", "R", "1", "O", "Boolean", "", "",
          "True to bootstrap again when registration here fails."),
        R(17, "Communication Retry Count", "RW", "1", "O", "Unsigned Integer", "", "",
          "Registration attempts in one sequence."),
        R(18, "Communication Retry Timer", "RW", "1", "O", "Unsigned Integer", "", "s",
          "Base wait between attempts, doubled each time."),
        R(19, "Communication Sequence Delay Timer", "RW", "1", "O", "Unsigned Integer", "", "s",
          "Wait between attempt sequences."),
        R(20, "Communication Sequence Retry Count", "RW", "1", "O", "Unsigned Integer", "", "",
          "Number of attempt sequences."),
        R(21, "Trigger", "RW", "1", "O", "Boolean", "", "", "True if the server may wake the client by SMS."),
        R(22, "Preferred Transport", "RW", "1", "O", "String",
          "The possible values are those listed in the LwM2M Core Specification", "",
          "Transport to use first when several are bound."),
        R(23, "Mute Send", "RW", "1", "O", "Boolean", "", "", "True to stop the client using Send to this server."),
        R(24, "Alternate APN Links", "RW", "N", "O", "Objlnk", "", "", "Other APN profiles to try."),
        R(25, "Supported Server Versions", "RW", "N", "O", "String", "", "",
          "LwM2M versions the server supports."),
        R(26, "Default Notification Mode", "RW", "1", "O", "Integer", "0..1", "",
          "0: non-confirmable notifications, 1: confirmable."),
        R(27, "Profile ID Hash Algorithm", "RW", "1", "O", "Unsigned Integer", "0..255", "",
          "Hash algorithm for compressed profile ids."),
    ),
)

SERVER_1_0 = derive(
    SERVER, version="1.0", lwm2m="1.0", urn="urn:oma:lwm2m:oma:1", keep=range(9),
    changes={0: {"range": "1-65535"},
             7: {"range": "The possible values of Resource are listed in 5.3.1.1"}},
    note="LwM2M 1.0 form (the registry file has no version elements: implicit 1.0).")

ACCESS_CONTROL = Obj(
    2, "LwM2M Access Control", "1.1", "1.0", "urn:oma:lwm2m:oma:2:1.1", True, False,
    "Which server may do what on one object instance.",
    resources=(
        R(0, "Object ID", "R", "1", "M", "Integer", "1..65534", "", "Object the rights apply to."),
        R(1, "Object Instance ID", "R", "1", "M", "Integer", "0..65535", "",
          "Instance the rights apply to (65535: creating instances of the object)."),
        R(2, "ACL", "RW", "N", "O", "Integer", "0..31", "",
          "Rights per server, indexed by Short Server ID: bits for Read, Write, Execute, Delete, Create."),
        R(3, "Access Control Owner", "RW", "1", "M", "Integer", "0..65535", "",
          "Short Server ID of the server that manages this instance's rights."),
    ),
)

ACCESS_CONTROL_1_0 = derive(
    ACCESS_CONTROL, version="1.0", lwm2m="1.0", urn="urn:oma:lwm2m:oma:2", keep=range(4),
    changes={2: {"range": "16-bit"}}, note="LwM2M 1.0 form.")

DEVICE = Obj(
    3, "Device", "1.2", "1.1", "urn:oma:lwm2m:oma:3:1.2", False, True,
    "Who made the device, what it runs, its power and clock, and how to reboot or reset it.",
    note="Version 1.2 (LwM2M 1.1) is the registry's newest; 3-1_0.xml covers 1.0 devices.",
    resources=(
        R(0, "Manufacturer", "R", "1", "O", "String", "", "", "Maker of the device."),
        R(1, "Model Number", "R", "1", "O", "String", "", "", "Maker's model designation."),
        R(2, "Serial Number", "R", "1", "O", "String", "", "", "Serial number of this unit."),
        R(3, "Firmware Version", "R", "1", "O", "String", "", "", "Version of the running firmware."),
        R(4, "Reboot", "E", "1", "M", "none", "", "", "Restart the device."),
        R(5, "Factory Reset", "E", "1", "O", "none", "", "", "Return the device to its delivered state."),
        R(6, "Available Power Sources", "R", "N", "O", "Integer", "0..7", "",
          "Kinds of supply present: DC, batteries, solar, mains, PoE, USB, AC."),
        R(7, "Power Source Voltage", "R", "N", "O", "Integer", "", "",
          "Voltage of each power source, in the order of resource 6 (mV)."),
        R(8, "Power Source Current", "R", "N", "O", "Integer", "", "",
          "Current of each power source, in the order of resource 6 (mA)."),
        R(9, "Battery Level", "R", "1", "O", "Integer", "0..100", "/100", "Remaining battery charge in percent."),
        R(10, "Memory Free", "R", "1", "O", "Integer", "", "", "Free storage, in KiB."),
        R(11, "Error Code", "R", "N", "M", "Integer", "0..32", "",
          "Current faults; a single 0 means none (low battery, memory full, ...)."),
        R(12, "Reset Error Code", "E", "1", "O", "none", "", "", "Clear the error codes."),
        R(13, "Current Time", "RW", "1", "O", "Time", "", "", "The device clock."),
        R(14, "UTC Offset", "RW", "1", "O", "String", "", "", "Offset of local time from UTC, e.g. UTC+01:00."),
        R(15, "Timezone", "RW", "1", "O", "String", "", "", "IANA time zone name, e.g. Europe/Berlin."),
        R(16, "Supported Binding and Modes", "R", "1", "M", "String", "", "",
          "Transports and modes the client supports, e.g. UQ."),
        R(17, "Device Type", "R", "1", "O", "String", "", "", "What kind of device this is, e.g. water meter."),
        R(18, "Hardware Version", "R", "1", "O", "String", "", "", "Hardware revision."),
        R(19, "Software Version", "R", "1", "O", "String", "", "", "Version of the software above the firmware."),
        R(20, "Battery Status", "R", "1", "O", "Integer", "0..6", "",
          "Battery condition: normal, charging, charged, damaged, low, missing, unknown."),
        R(21, "Memory Total", "R", "1", "O", "Integer", "", "", "Total storage, in KiB."),
        R(22, "ExtDevInfo", "R", "N", "O", "Objlnk", "", "", "Links to objects with further device details."),
    ),
)

DEVICE_1_0 = derive(
    DEVICE, version="1.0", lwm2m="1.0", urn="urn:oma:lwm2m:oma:3", keep=range(23),
    changes={6: {"range": "0-7"}, 7: {"units": "mV"}, 8: {"units": "mA"},
             9: {"range": "0-100", "units": "%"}, 10: {"units": "KB"}, 11: {"range": "0-8"},
             20: {"range": "0-6"}},
    note="LwM2M 1.0 form (the registry file has no version elements: implicit 1.0).")

CONNECTIVITY = Obj(
    4, "Connectivity Monitoring", "1.3", "1.1", "urn:oma:lwm2m:oma:4:1.3", False, False,
    "The radio link in use: bearer, signal, addresses and cell.",
    resources=(
        R(0, "Network Bearer", "R", "1", "M", "Integer", "0..50", "",
          "Bearer in use (e.g. 6 LTE-TDD, 7 LTE-FDD, 8 NB-IoT, 21 WLAN, 41 Ethernet)."),
        R(1, "Available Network Bearer", "R", "N", "M", "Integer", "0..50", "", "Bearers the device could use."),
        R(2, "Radio Signal Strength", "R", "1", "M", "Integer", "", "dBm", "Received signal strength."),
        R(3, "Link Quality", "R", "1", "O", "Integer", "", "", "Bearer-specific link quality figure."),
        R(4, "IP Addresses", "R", "N", "M", "String", "", "", "The device's IP addresses."),
        R(5, "Router IP Addresses", "R", "N", "O", "String", "", "", "Next-hop router addresses."),
        R(6, "Link Utilization", "R", "1", "O", "Integer", "0..100", "/100", "Share of link capacity in use."),
        R(7, "APN", "R", "N", "O", "String", "", "", "Access point names in use."),
        R(8, "Cell ID", "R", "1", "O", "Integer", "", "", "Serving cell id."),
        R(9, "SMNC", "R", "1", "O", "Integer", "0..999", "", "Mobile network code of the serving network."),
        R(10, "SMCC", "R", "1", "O", "Integer", "0..999", "", "Mobile country code of the serving network."),
        R(11, "SignalSNR", "R", "1", "O", "Integer", "", "dB", "Signal to noise ratio."),
        R(12, "LAC", "R", "1", "O", "Integer", "", "", "Location or tracking area code."),
        R(13, "Coverage Enhancement Level", "R", "1", "O", "Integer", "0..4", "",
          "Coverage enhancement level of LTE-M / NB-IoT."),
    ),
)

CONNECTIVITY_1_0 = derive(
    CONNECTIVITY, version="1.0", lwm2m="1.0", urn="urn:oma:lwm2m:oma:4", keep=range(11),
    changes={0: {"range": "0-50"}, 1: {"range": "0-50"}, 6: {"range": "0-100", "units": "%"},
             9: {"range": "0-999"}, 10: {"range": "0-999"}},
    note="LwM2M 1.0 form. The registry gives SMNC the unit '%', an evident slip; we leave it out.")

FIRMWARE = Obj(
    5, "Firmware Update", "1.2", "1.1", "urn:oma:lwm2m:oma:5:1.2", False, False,
    "Delivering a firmware image (pushed or fetched) and installing it, with its state and result.",
    resources=(
        R(0, "Package", "W", "1", "M", "Opaque", "", "", "The firmware image, written by the server."),
        R(1, "Package URI", "RW", "1", "M", "String", "0..255", "", "Where the client downloads the image from."),
        R(2, "Update", "E", "1", "M", "none", "", "", "Install the downloaded image."),
        R(3, "State", "R", "1", "M", "Integer", "0..3", "", "0 idle, 1 downloading, 2 downloaded, 3 updating."),
        R(5, "Update Result", "R", "1", "M", "Integer", "0..11", "",
          "Outcome of the last download or update (1 success; 2 and up are failures)."),
        R(6, "PkgName", "R", "1", "O", "String", "0..255", "", "Name of the downloaded package."),
        R(7, "PkgVersion", "R", "1", "O", "String", "0..255", "", "Version of the downloaded package."),
        R(8, "Firmware Update Protocol Support", "R", "N", "O", "Integer", "0..5", "",
          "Download protocols supported: CoAP, CoAPS, HTTP, HTTPS, CoAP over TCP/TLS."),
        R(9, "Firmware Update Delivery Method", "R", "1", "M", "Integer", "0..2", "", "0 pull, 1 push, 2 both."),
        R(10, "Cancel", "E", "1", "O", "none", "", "", "Abort a download or a deferred update."),
        R(11, "Severity", "RW", "1", "O", "Integer", "0..2", "", "Urgency of the update: critical, mandatory, optional."),
        R(12, "Last State Change Time", "R", "1", "O", "Time", "", "", "When the State last changed."),
        R(13, "Maximum Defer Period", "RW", "1", "O", "Unsigned Integer", "", "s",
          "How long the user may postpone the update."),
        R(14, "Automatic Upgrade at Download", "RW", "1", "O", "Boolean", "", "",
          "True to install as soon as the download completes."),
    ),
)

FIRMWARE_1_0 = derive(
    FIRMWARE, version="1.0", lwm2m="1.0", urn="urn:oma:lwm2m:oma:5", keep=(0, 1, 2, 3, 5, 6, 7, 8, 9),
    changes={5: {"range": "0..9"}}, note="LwM2M 1.0 form.")

SOFTWARE = Obj(
    9, "LWM2M Software Management", "1.0", "1.0", "urn:oma:lwm2m:oma:9", True, False,
    "Installing, activating and removing application software packages.",
    resources=(
        R(0, "PkgName", "R", "1", "M", "String", "0..255 bytes", "", "Name of the package."),
        R(1, "PkgVersion", "R", "1", "M", "String", "0..255 bytes", "", "Version of the package."),
        R(2, "Package", "W", "1", "O", "Opaque", "", "", "The package, written by the server."),
        R(3, "Package URI", "W", "1", "O", "String", "0..255 bytes", "", "Where to download the package from."),
        R(4, "Install", "E", "1", "M", "none", "", "", "Install the downloaded package."),
        R(5, "Checkpoint", "R", "1", "O", "Objlnk", "", "", "Link to a checkpoint object of the package."),
        R(6, "Uninstall", "E", "1", "M", "none", "", "", "Remove the package (or only prepare an update)."),
        R(7, "Update State", "R", "1", "M", "Integer", "0..4", "",
          "initial, downloading, downloaded, delivered, installed."),
        R(8, "Update Supported Objects", "RW", "1", "O", "Boolean", "", "",
          "True to send a registration update when the package changes the object list."),
        R(9, "Update Result", "R", "1", "M", "Integer", "0..200", "", "Outcome of the last download or install."),
        R(10, "Activate", "E", "1", "M", "none", "", "", "Start the installed software."),
        R(11, "Deactivate", "E", "1", "M", "none", "", "", "Stop the installed software."),
        R(12, "Activation State", "R", "1", "M", "Boolean", "", "", "True while the software is active."),
        R(13, "Package Settings", "RW", "1", "O", "Objlnk", "", "", "Link to the package's settings object."),
        R(14, "User Name", "W", "1", "O", "String", "0..255 bytes", "", "User name for the download server."),
        R(15, "Password", "W", "1", "O", "String", "0..255 bytes", "", "Password for the download server."),
        R(16, "Status Reason", "R", "1", "O", "String", "", "", "Free text explaining the last result."),
        R(17, "Software Component Link", "R", "N", "O", "Objlnk", "", "", "Components the package installed."),
        R(18, "Software Component tree length", "R", "1", "O", "Integer", "0..255", "",
          "Depth of the component tree."),
    ),
)

LOCATION = Obj(
    6, "Location", "1.0", "1.0", "urn:oma:lwm2m:oma:6", False, False,
    "Where the device is: the last position fix of its GNSS receiver (or network positioning) and when it was made.",
    resources=(
        R(0, "Latitude", "R", "1", "M", "Float", "", "lat", "Latitude in decimal degrees (WGS 84)."),
        R(1, "Longitude", "R", "1", "M", "Float", "", "lon", "Longitude in decimal degrees (WGS 84)."),
        R(2, "Altitude", "R", "1", "O", "Float", "", "m", "Height above sea level."),
        R(3, "Radius", "R", "1", "O", "Float", "", "m", "Radius of the circle of uncertainty around the position."),
        R(4, "Velocity", "R", "1", "O", "Opaque", "", "", "Velocity as 3GPP TS 23.032 encodes it."),
        R(5, "Timestamp", "R", "1", "M", "Time", "", "", "When the position was measured."),
        R(6, "Speed", "R", "1", "O", "Float", "", "m/s", "Scalar speed, whatever the direction."),
    ),
)

CONNECTIVITY_STATISTICS = Obj(
    7, "Connectivity Statistics", "1.0", "1.0", "urn:oma:lwm2m:oma:7", False, False,
    "Traffic counters the device collects between a Start and a Stop (or over a collection period).",
    resources=(
        R(0, "SMS Tx Counter", "R", "1", "O", "Integer", "", "", "SMS sent during the collection."),
        R(1, "SMS Rx Counter", "R", "1", "O", "Integer", "", "", "SMS received during the collection."),
        R(2, "Tx Data", "R", "1", "O", "Integer", "", "", "Kilobytes sent during the collection (IP and non-IP)."),
        R(3, "Rx Data", "R", "1", "O", "Integer", "", "", "Kilobytes received during the collection."),
        R(4, "Max Message Size", "R", "1", "O", "Integer", "", "B", "Largest IP message of the collection."),
        R(5, "Average Message Size", "R", "1", "O", "Integer", "", "B", "Mean IP message size of the collection."),
        R(6, "Start", "E", "1", "M", "none", "", "",
          "Reset resources 0 to 5 to 0 and start collecting; with a Collection Period other than 0 the collection "
          "ends by itself after that period."),
        R(7, "Stop", "E", "1", "M", "none", "", "", "Stop collecting; resources 0 to 5 keep their values."),
        R(8, "Collection Period", "RW", "1", "O", "Integer", "", "s", "Default collection period; 0: none."),
    ),
)

CELLULAR_CONNECTIVITY = Obj(
    10, "LWM2M Cellular Connectivity", "1.1", "1.1", "urn:oma:lwm2m:oma:10:1.1", False, False,
    "Settings of the cellular modem (LTE-M, NB-IoT): power saving timers, eDRX, release assistance, active APNs.",
    resources=(
        R(0, "SMSC address", "RW", "1", "O", "String", "", "", "E.164 address of the SMS centre."),
        R(1, "Disable radio period", "RW", "1", "O", "Integer", "0..65535", "",
          "Minutes for which the modem detaches from the radio network."),
        R(2, "Module activation code", "RW", "1", "O", "String", "", "", "Code that activates the module."),
        R(3, "Vendor specific extensions", "R", "1", "O", "Objlnk", "", "", "Link to a vendor object."),
        R(4, "PSM Timer", "RW", "1", "O", "Integer", "", "s",
          "Requested periodic TAU timer (extended T3412, 3GPP TS 24.008 GPRS Timer 3)."),
        R(5, "Active Timer", "RW", "1", "O", "Integer", "", "s",
          "Requested active time after going idle (T3324, 3GPP TS 24.008 GPRS Timer 2)."),
        R(7, "eDRX parameters for Iu mode", "RW", "1", "O", "Opaque", "0..255", "",
          "Octet 3 of the Extended DRX parameters IE (3GPP TS 24.008 §10.5.5.32) for Iu mode."),
        R(8, "eDRX parameters for WB-S1 mode", "RW", "1", "O", "Opaque", "0..255", "",
          "Octet 3 of the Extended DRX parameters IE for WB-S1 mode (LTE-M)."),
        R(9, "eDRX parameters for NB-S1 mode", "RW", "1", "O", "Opaque", "0..255", "",
          "Octet 3 of the Extended DRX parameters IE for NB-S1 mode (NB-IoT)."),
        R(10, "eDRX parameters for A/Gb mode", "RW", "1", "O", "Opaque", "0..255", "",
          "Octet 3 of the Extended DRX parameters IE for A/Gb mode."),
        R(11, "Activated Profile Names", "R", "N", "M", "Objlnk", "", "",
          "Links to the APN connection profiles (/11) with an active PDN connection."),
        R(12, "Supported Power Saving Modes", "R", "1", "O", "Unsigned Integer", "0..255", "",
          "Bit field: bit 0 PSM, bit 1 eDRX supported."),
        R(13, "Active Power Saving Modes", "RW", "1", "O", "Unsigned Integer", "0..255", "",
          "Bit field: bit 0 PSM, bit 1 eDRX in use."),
        R(14, "Release Assistance Indication Usage", "RW", "1", "O", "Unsigned Integer", "0..255", "",
          "Bit field of when the modem sends the Release Assistance Indication (3GPP TS 24.301)."),
    ),
)

APN_CONNECTION_PROFILE = Obj(
    11, "LWM2M APN Connection Profile", "1.1", "1.1", "urn:oma:lwm2m:oma:11:1.1", True, False,
    "One APN the modem can connect through: name, credentials, addresses and connection history.",
    resources=(
        R(0, 'Profile name', "RW", "1", "M", "String", "", "", 'Name that tells this profile apart.'),
        R(1, 'APN', "RW", "1", "O", "String", "", "", 'Access point name presented to the network.'),
        R(2, 'Auto select APN by device', "RW", "1", "O", "Boolean", "", "", 'The device picks the APN itself.'),
        R(3, 'Enable status', "RW", "1", "O", "Boolean", "", "", 'Whether the profile may be used.'),
        R(4, 'Authentication Type', "RW", "1", "M", "Integer", "", "", '0 PAP, 1 CHAP, 2 PAP or CHAP, 3 none.'),
        R(5, 'User Name', "RW", "1", "O", "String", "", "", 'User name for the authentication.'),
        R(6, 'Secret', "RW", "1", "O", "String", "", "", 'Password for the authentication.'),
        R(7, 'Reconnect Schedule', "RW", "1", "O", "String", "", "", 'Retry delays in seconds, comma separated.'),
        R(8, 'Validity (MCC, MNC)', "RW", "N", "O", "String", "", "", 'Networks (MCC,MNC) the APN is valid in.'),
        R(9, 'Connection establishment time (1)', "R", "N", "O", "Time", "", "", 'When a connection was requested.'),
        R(10, 'Connection establishment result (1)', "R", "N", "O", "Integer", "", "", '0 accepted, 1 rejected.'),
        R(11, 'Connection establishment reject cause (1)', "R", "N", "O", "Integer", "0..111", "", 'Why the network rejected the connection.'),
        R(12, 'Connection end time (1)', "R", "N", "O", "Time", "", "", 'When the connection ended.'),
        R(13, 'TotalBytesSent', "R", "1", "O", "Integer", "", "", 'Bytes sent through this profile since reset.'),
        R(14, 'TotalBytesReceived', "R", "1", "O", "Integer", "", "", 'Bytes received through this profile since reset.'),
        R(15, 'IP address (2)', "RW", "N", "O", "String", "", "", 'IP address of the connection.'),
        R(16, 'Prefix length(2)', "RW", "N", "O", "String", "", "", 'IPv6 prefix length.'),
        R(17, 'Subnet mask (2)', "RW", "N", "O", "String", "", "", "The IP subnet mask that goes with the address (dotted text)."),
        R(18, 'Gateway (2)', "RW", "N", "O", "String", "", "", 'Gateway address.'),
        R(19, 'Primary DNS address (2)', "RW", "N", "O", "String", "", "", 'Primary DNS server.'),
        R(20, 'Secondary DNS address (2)', "RW", "N", "O", "String", "", "", 'Secondary DNS server.'),
        R(21, 'QCI (3)', "R", "1", "O", "Integer", "1..9", "", 'LTE QoS class identifier.'),
        R(22, 'Vendor specific extensions', "R", "1", "O", "Objlnk", "", "", 'Link to a vendor object.'),
        R(23, 'TotalPacketsSent', "R", "1", "O", "Integer", "", "", 'Packets sent since reset.'),
        R(24, 'PDN Type', "RW", "1", "O", "Integer", "", "", '0 non-IP, 1 IPv4, 2 IPv6, 3 IPv4v6.'),
        R(25, 'APN Rate Control', "R", "1", "O", "Integer", "", "", 'Uplink messages allowed per time unit on this APN.'),
        R(26, 'Serving PLMN Rate control', "RW", "1", "O", "Unsigned Integer", "", "", 'Messages over NAS allowed per time unit.'),
        R(27, 'Uplink Time Unit', "RW", "1", "O", "Unsigned Integer", "0..4", "", 'Time unit of the rate control (0..4).'),
        R(28, 'APN Rate Control for Exception Data', "R", "1", "O", "Integer", "", "", 'Uplink exception-data messages allowed per time unit.'),
        R(29, 'APN Exception Data Uplink Time Unit', "RW", "1", "O", "Unsigned Integer", "0..4", "", 'Time unit of the exception-data rate control.'),
        R(30, 'Supported RAT Types', "RW", "N", "O", "Unsigned Integer", "", "", 'Radio access technologies usable with this APN.'),
        R(31, 'RDS Application ID', "RW", "N", "O", "String", "", "", 'Application ID for reliable data service ports.'),
        R(32, 'RDS Destination Port', "RW", "N", "O", "Integer", "0..15", "", 'Reliable data service destination port.'),
        R(33, 'RDS Source Port', "RW", "N", "O", "Integer", "0..15", "", 'Reliable data service source port.'),

    ),
)

WLAN_CONNECTIVITY = Obj(
    12, "WLAN connectivity", "1.1", "1.0", "urn:oma:lwm2m:oma:12:1.1", True, False,
    "One wireless LAN interface of the device: whether it is switched on, the network it joins or offers, its "
    "radio and security settings and its traffic counters.",
    resources=(
        R(0, "Interface name", "RW", "1", "M", "String", "", "", "Name people know the interface by, such as wlan0."),
        R(1, "Enable", "RW", "1", "M", "Boolean", "", "",
          "True switches the interface on, false switches it off; an interface switched off has its radio off too."),
        R(2, "Radio Enabled", "RW", "1", "O", "Integer", "", "",
          "Band the radio works in, or 0 when the radio is off: 1 2.4 GHz, 2 5 GHz, 3 0.9 GHz, 4 3.7 GHz, 5 45 GHz, "
          "6 60 GHz."),
        R(3, "Status", "R", "1", "M", "Integer", "", "",
          "State of the interface: 0 switched off, 1 up and working, 2 failed."),
        R(4, "BSSID", "R", "1", "M", "String", "12", "", "Hardware (MAC) address of this interface as hex digits."),
        R(5, "SSID", "RW", "1", "M", "String", "1..32", "", "Name of the wireless network this interface uses."),
        R(6, "Broadcast SSID", "RW", "1", "O", "Boolean", "", "",
          "Whether the network name is announced (true) or hidden (false)."),
        R(7, "Beacon Enabled", "RW", "1", "O", "Boolean", "", "", "Whether beacon frames are sent."),
        R(8, "Mode", "RW", "1", "M", "Integer", "", "",
          "Role of the interface: 0 access point, 1 client (station), 2 bridge, 3 repeater."),
        R(9, "Channel", "RW", "1", "M", "Integer", "0..255", "", "Radio channel the interface works on now."),
        R(10, "Auto Channel", "RW", "1", "O", "Boolean", "", "",
          "Whether the interface picks its channel by itself."),
        R(11, "Supported Channels", "RW", "N", "O", "Integer", "", "", "Every radio channel the interface can use."),
        R(12, "Channels In Use", "RW", "N", "O", "Integer", "", "",
          "Channels found busy around an access point, its own among them."),
        R(13, "Regulatory Domain", "RW", "1", "O", "String", "3", "",
          "802.11d domain: a two-letter ISO 3166-1 country code followed by ' ' (any environment), 'O' (outdoors) or "
          "'I' (indoors)."),
        R(14, "Standard", "RW", "1", "M", "Integer", "", "",
          "802.11 variant in use: 0 a, 1 b, 2 b/g, 3 g, 4 n, 5 b/g/n, 6 ac, 7 ah."),
        R(15, "Authentication Mode", "RW", "1", "M", "Integer", "", "",
          "How stations authenticate: 0 open (none), 1 pre-shared key, 2 EAP, 3 EAP and pre-shared key, 4 EAP-SIM."),
        R(16, "Encryption Mode", "RW", "1", "O", "Integer", "", "",
          "Cipher protecting the traffic: 0 AES (WPA2), 1 TKIP (WPA), 2 WEP."),
        R(17, "WPA Pre Shared Key", "W", "1", "O", "String", "64", "",
          "The WPA or WPA2 key as hex digits; it can be written, never read back."),
        R(18, "WPA Key Phrase", "W", "1", "O", "String", "1..64", "",
          "Pass phrase the WPA or WPA2 key is derived from; it can be written, never read back."),
        R(19, "WEP Encryption Type", "RW", "1", "O", "Integer", "", "",
          "WEP key size: 0 no WEP, 1 40 bits, 2 104 bits."),
        R(20, "WEP Key Index", "RW", "1", "O", "Integer", "1..4", "", "Which of the four WEP keys is used by default."),
        R(21, "WEP Key Phrase", "W", "1", "O", "String", "1..64", "",
          "Pass phrase the WEP keys are derived from; it can be written, never read back."),
        R(22, "WEP Key 1", "W", "1", "O", "String", "10,26", "",
          "First WEP key as hex digits: 10 of them for a 40-bit key, 26 for a 104-bit key."),
        R(23, "WEP Key 2", "W", "1", "O", "String", "10,26", "",
          "Second WEP key as hex digits: 10 of them for a 40-bit key, 26 for a 104-bit key."),
        R(24, "WEP Key 3", "W", "1", "O", "String", "10,26", "",
          "Third WEP key as hex digits: 10 of them for a 40-bit key, 26 for a 104-bit key."),
        R(25, "WEP Key 4", "W", "1", "O", "String", "10,26", "",
          "Fourth WEP key as hex digits: 10 of them for a 40-bit key, 26 for a 104-bit key."),
        R(26, "RADIUS Server", "RW", "1", "O", "String", "1..256", "",
          "Address of the RADIUS server that authenticates stations."),
        R(27, "RADIUS Server Port", "RW", "1", "O", "Integer", "", "", "Port of that RADIUS server."),
        R(28, "RADIUS Secret", "W", "1", "O", "String", "1..256", "",
          "Secret shared with the RADIUS server; it can be written, never read back."),
        R(29, "WMM Supported", "R", "1", "O", "Boolean", "", "",
          "Whether the interface can do Wi-Fi Multimedia (WMM) prioritisation."),
        R(30, "WMM Enabled", "RW", "1", "O", "Boolean", "", "", "Whether Wi-Fi Multimedia prioritisation is on."),
        R(31, "MAC Control Enabled", "RW", "1", "O", "Boolean", "", "",
          "True admits only stations whose MAC address is in the MAC Address List; false admits any."),
        R(32, "MAC Address List", "RW", "N", "O", "String", "12", "",
          "MAC addresses (hex digits) of the stations admitted when MAC control is on."),
        R(33, "Total Bytes Sent", "R", "1", "O", "Integer", "", "", "Bytes this interface has transmitted."),
        R(34, "Total Bytes Received", "R", "1", "O", "Integer", "", "", "Bytes this interface has received."),
        R(35, "Total Packets Sent", "R", "1", "O", "Integer", "", "", "Packets this interface has transmitted."),
        R(36, "Total Packets Received", "R", "1", "O", "Integer", "", "", "Packets this interface has received."),
        R(37, "Transmit Errors", "R", "1", "O", "Integer", "", "", "Packets that errors kept from being transmitted."),
        R(38, "Receive Errors", "R", "1", "O", "Integer", "", "",
          "Packets received with errors that kept them from being passed on."),
        R(39, "Unicast Packets Sent", "R", "1", "O", "Integer", "", "", "Packets sent to a single address."),
        R(40, "Unicast Packets Received", "R", "1", "O", "Integer", "", "", "Packets received for a single address."),
        R(41, "Multicast Packets Sent", "R", "1", "O", "Integer", "", "", "Packets sent to a multicast group."),
        R(42, "Multicast Packets Received", "R", "1", "O", "Integer", "", "",
          "Packets received for a multicast group."),
        R(43, "Broadcast Packets Sent", "R", "1", "O", "Integer", "", "", "Packets sent to every station."),
        R(44, "Broadcast Packets Received", "R", "1", "O", "Integer", "", "", "Broadcast packets received."),
        R(45, "Discard Packets Sent", "R", "1", "O", "Integer", "", "",
          "Good outgoing packets dropped on purpose (for instance to free buffers) instead of being sent."),
        R(46, "Discard Packets Received", "R", "1", "O", "Integer", "", "",
          "Good incoming packets dropped on purpose (for instance to free buffers) instead of being delivered."),
        R(47, "Unknown Packets Received", "R", "1", "O", "Integer", "", "",
          "Packets received whose kind the interface did not recognise."),
        R(48, "Vendor specific extensions", "R", "1", "O", "Objlnk", "", "", "Link to a vendor object."),
    ),
)

BEARER_SELECTION = Obj(
    13, "LWM2M Bearer Selection", "1.1", "1.1", "urn:oma:lwm2m:oma:13:1.1", False, False,
    "Lets a Server steer which network the device attaches to and which kind of bearer it then uses, in place "
    "of the device's own automatic choice.",
    resources=(
        R(0, "Preferred Communications Bearer", "RW", "N", "O", "Integer", "0..100", "",
          "Bearers the device should use to reach the Server, best first (instance order is the priority): "
          "0 automatic, 1 3GPP PS, 2 3GPP PS GSM, 3 3GPP PS UMTS, 4 3GPP PS LTE, 5 1xEV-DO, 6 3GPP CS, 7 WLAN, "
          "8 Ethernet, 9 DSL, 10 Bluetooth, 11 WiMAX, 12/13 LTE CIoT user/control plane, 14/15 NB-IoT "
          "control/user plane, 16 5G NR, 17-100 reserved. The device uses the first one available and waits "
          "when none is."),
        R(1, "Acceptable RSSI (GSM)", "RW", "1", "O", "Integer", "-110..-48", "", "Weakest GSM signal worth selecting."),
        R(2, "Acceptable RSCP (UMTS)", "RW", "1", "O", "Integer", "-120..-25", "", "Weakest UMTS signal worth selecting."),
        R(3, "Acceptable RSRP (LTE)", "RW", "1", "O", "Integer", "-140..-44", "", "Weakest LTE signal worth selecting."),
        R(4, "Acceptable RSSI (1xEV-DO)", "RW", "1", "O", "Integer", "", "", "Weakest 1xEV-DO signal worth selecting."),
        R(5, "Cell lock list", "RW", "1", "O", "String", "", "", "Global cell identities allowed, comma separated."),
        R(6, "Operator list", "RW", "1", "O", "String", "", "", "MCC+MNC of operators in priority order, comma separated."),
        R(7, "Operator list mode", "RW", "1", "O", "Boolean", "", "",
          "True: the operator list is the only operators allowed; false: it is an order of preference."),
        R(8, "List of available PLMNs", "R", "1", "O", "String", "", "", "Networks found by the last network scan."),
        R(9, "Vendor specific extensions", "R", "1", "O", "Objlnk", "", "", "Link to a vendor object."),
        R(10, "Acceptable RSRP (NB-IoT)", "RW", "1", "O", "Integer", "-158..-44", "", "Weakest NB-IoT signal worth selecting."),
        R(11, "Higher Priority PLMN Search Timer", "RW", "1", "O", "Integer", "", "",
          "Period of the searches for a better network of the home country while roaming."),
        R(12, "Attach without PDN connection", "RW", "1", "O", "Boolean", "", "",
          "Whether the device attaches to the network without setting up a PDN connection."),
    ),
)

BINARY_APP_DATA = Obj(
    19, "BinaryAppDataContainer", "1.0", "1.0", "urn:oma:lwm2m:oma:19", True, False,
    "Opaque application data, such as a meter's own payload format, carried over LwM2M.",
    resources=(
        R(0, "Data", "RW", "N", "M", "Opaque", "", "", "The application data records."),
        R(1, "Data Priority", "RW", "1", "O", "Integer", "1 bytes", "", "Priority of the data (0 highest)."),
        R(2, "Data Creation Time", "RW", "1", "O", "Time", "", "", "When the data was produced."),
        R(3, "Data Description", "RW", "1", "O", "String", "32 bytes", "", "Short label of the data."),
        R(4, "Data Format", "RW", "1", "O", "String", "32 bytes", "", "Format of the data, e.g. a MIME type."),
        R(5, "App ID", "RW", "1", "O", "Integer", "2 bytes", "", "Application the data belongs to."),
    ),
)

PORTFOLIO = Obj(
    16, "Portfolio", "1.0", "1.0", "urn:oma:lwm2m:oma:16", True, False,
    "Extra stored data for other object instances, such as the identities of a host device, and services "
    "that produce authentication data for it.",
    note="The registry's 16.xml is not among the shared test files (tests/model checks it against "
         "SOURCED_ELSEWHERE); ETS configuration C.12 and the Portfolio cases int-228, 230, 233, 234, 308, "
         "309, 1630 and 1635 use it.",
    resources=(
        R(0, "Identity", "RW", "N", "M", "String", "", "",
          "Identifiers of the host device: its id, manufacturer, model, software version ..."),
        R(1, "GetAuthData", "E", "1", "O", "none", "", "",
          "Ask the device to produce authentication data for the host (arguments name the service)."),
        R(2, "AuthData", "R", "N", "O", "Opaque", "", "", "The authentication data the last GetAuthData produced."),
        R(3, "AuthStatus", "R", "1", "O", "Integer", "0..2", "",
          "State of the last GetAuthData: 0 idle (no valid data), 1 data available, 2 error."),
    ),
)

OSCORE = Obj(
    21, "LWM2M OSCORE", "2.0", "1.1", "urn:oma:lwm2m:oma:21:2.0", True, False,
    "OSCORE keying material toward one (bootstrap) server, linked from /0/x/17. Written only by the bootstrap "
    "server; other servers must not see it.",
    resources=(
        R(0, "OSCORE Master Secret", "", "1", "M", "Opaque", "", "",
          "The Master Secret shared with the (bootstrap) server (RFC 8613 §3.2). Secret: never readable by a server."),
        R(1, "OSCORE Sender ID", "", "1", "M", "Opaque", "", "",
          "The client's Sender ID (the kid of the requests it sends)."),
        R(2, "OSCORE Recipient ID", "", "1", "M", "Opaque", "", "",
          "The client's Recipient ID (the kid of the requests the server sends it)."),
        R(3, "OSCORE AEAD Algorithm", "", "1", "O", "Integer", "", "",
          "COSE AEAD algorithm number (RFC 8152 Table 10); absent: 10, AES-CCM-16-64-128."),
        R(4, "OSCORE HMAC Algorithm", "", "1", "O", "Integer", "", "",
          "HMAC/HKDF algorithm number of the key derivation (RFC 8152 Tables 7 and 16); absent: HKDF SHA-256."),
        R(5, "OSCORE Master Salt", "", "1", "O", "Opaque", "", "", "The Master Salt (not secret; absent: empty)."),
        R(6, "OSCORE ID Context", "", "1", "O", "Opaque", "", "",
          "The ID Context of the security context (absent: none)."),
    ),
)

EVENT_LOG = Obj(
    20, "Event Log", "2.1", "1.1", "urn:oma:lwm2m:oma:20:2.1", True, False,
    "A buffer of time-stamped log entries that the server can start, stop and read.",
    resources=(
        R(4010, "LogClass", "RW", "1", "O", "Integer", "255", "",
          "Category of the log (0 generic, 1 system, 2 security, 3 event, ...)."),
        R(4011, "LogStart", "E", "1", "O", "none", "", "", "Start logging."),
        R(4012, "LogStop", "E", "1", "O", "none", "", "", "Stop logging."),
        R(4013, "LogStatus", "R", "1", "O", "Integer", "8-Bits", "", "Bit field of the logger's state."),
        R(4014, "LogData", "R", "1", "M", "Opaque", "", "", "The logged entries."),
        R(4015, "LogDataFormat", "RW", "1", "O", "Integer", "255", "", "Encoding of LogData."),
        R(4016, "LogDataIncremental", "", "1", "O", "Opaque", "", "",
          "Entries added since the last report; sent with Send, not read."),
        R(4017, "LogDataIncrementalMinimumSendInterval", "RW", "1", "O", "Unsigned Integer", "", "",
          "Shortest time between two incremental sends."),
    ),
)

LTE_MTC_BAND = Obj(
    501, "LTE-MTC Band Config", "1.0", "1.0", "urn:oma:lwm2m:oma:501", True, False,
    "Which LTE-M / NB-IoT channel the modem camps on and which channels it tries first.",
    resources=(
        R(1, "EARFCN", "RW", "1", "M", "Integer", "0..65535", "", "Channel number to use."),
        R(2, "Current Frequency (Downlink)", "R", "1", "M", "Float", "", "MHz", "Downlink frequency in use."),
        R(3, "Current Frequency (Uplink)", "R", "1", "O", "Float", "", "MHz", "Uplink frequency in use."),
        R(4, "Prioritized Channels", "RW", "N", "M", "Integer", "", "", "Channels to scan first."),
        R(5, "Reset Timeout", "RW", "1", "M", "Float", "", "s", "Delay before a Reset takes effect."),
        R(6, "Reset", "E", "1", "M", "none", "", "", "Apply the band settings by restarting the radio."),
        R(48, "Vendor specific extensions", "R", "1", "O", "Objlnk", "", "", "Link to a vendor object."),
        R(5750, "Application Type", "RW", "1", "O", "String", "", "", "Free label set by the user."),
    ),
)

REMOTE_SIM = Obj(
    504, "Remote SIM Provisioning", "1.0", "1.0", "urn:oma:lwm2m:oma:504", True, False,
    "Downloading and switching eUICC profiles (GSMA remote SIM provisioning).",
    resources=(
        R(0, "Current SIM Type", "R", "1", "M", "Integer", "0..3", "", "SIM in use: removable, embedded, soft, ..."),
        R(1, "Supported SIM Type", "R", "N", "M", "Integer", "0..3", "", "SIM kinds the device can use."),
        R(2, "Service Provider Name", "R", "1", "O", "String", "", "", "Operator of the active profile."),
        R(3, "Download URI/Information", "RW", "1", "O", "String", "0..255", "",
          "Where to fetch a profile (activation code or SM-DP+ address)."),
        R(4, "RSP Update", "E", "1", "O", "none", "", "", "Run the requested provisioning operation."),
        R(5, "RSP Update State", "R", "1", "O", "Integer", "0..10", "", "Progress of the operation."),
        R(6, "RSP Update Result", "R", "1", "O", "Integer", "0..16", "", "Outcome of the operation."),
        R(7, "Profile Name", "R", "1", "O", "String", "0..255", "", "Name of the profile concerned."),
        R(8, "Profile Package Version", "R", "1", "O", "String", "0..255", "", "Version of that profile package."),
        R(9, "Free Memory on SIM", "R", "1", "O", "Integer", "", "KiB", "Space left on the eUICC."),
        R(10, "Total Memory on SIM", "R", "1", "O", "Integer", "", "KiB", "Size of the eUICC memory."),
        R(11, "Integrated Circuit Card Identifier (ICCID)", "R", "N", "M", "String", "", "",
          "ICCIDs of the installed profiles."),
        R(12, "eUICC ID", "R", "1", "O", "String", "", "", "EID of the embedded UICC."),
        R(13, "RSP Type", "R", "1", "M", "Integer", "", "", "Which provisioning scheme the device uses."),
        R(14, "Selected ICCID for RSP operation", "RW", "1", "O", "String", "", "",
          "Profile the next operation acts on."),
        R(15, "RSP Consent Reason", "R", "1", "O", "String", "", "", "Why user consent is asked."),
        R(16, "RSP User Consent", "W", "1", "O", "Integer", "0..1", "", "The user's decision: 0 approved, 1 rejected."),
        R(17, "RSP Confirmation Code", "W", "1", "O", "String", "", "", "Code confirming a download."),
        R(18, "RSP Data Type", "RW", "1", "O", "Integer", "0..17", "", "Which data Set/Get RSP Data carries."),
        R(19, "Set RSP Data", "W", "1", "O", "Opaque", "", "", "Data handed to the eUICC."),
        R(20, "Get RSP Data", "R", "1", "O", "Opaque", "", "", "Data read back from the eUICC."),
    ),
)


# -- metering objects ---------------------------------------------------------------

ELECTRICITY_METER_NOTE = (
    "Electricity meter choice: uCIFI 3421 rather than Odins 10243. 3421 carries the billing "
    "registers (import/export active, reactive and apparent energy, per quadrant) and the "
    "power-quality counters (outages, sags, swells) that meter audits ask about; it shares its "
    "resource pattern with the uCIFI gas (3423) and water (3424) meters; 3422 extends it to three "
    "phases. 10243 has no export or quadrant registers.")

ELECTRICITY_METER = Obj(
    3421, "Single-phase electrical meter", "2.0", "1.0", "urn:oma:lwm2m:ext:3421:2.0", True, False,
    "A single-phase electricity meter: instantaneous voltage, current, power and power factor, "
    "energy registers, and supply-quality events.",
    note=ELECTRICITY_METER_NOTE,
    resources=(
        R(1, "Voltage", "R", "1", "M", "Float", "", "V", "RMS voltage now."),
        R(2, "Low voltage threshold", "R", "1", "O", "Float", "", "V", "Voltage below which Low voltage is set."),
        R(3, "Low voltage", "R", "1", "O", "Boolean", "", "", "True while the voltage is under its low threshold."),
        R(4, "High voltage threshold", "R", "1", "O", "Float", "", "V", "Voltage above which High voltage is set."),
        R(5, "High voltage", "R", "1", "O", "Boolean", "", "", "True while the voltage is over its high threshold."),
        R(6, "Current", "R", "1", "M", "Float", "", "A", "RMS current now."),
        R(7, "Low current threshold", "R", "1", "O", "Float", "", "A", "Current below which Low current is set."),
        R(8, "Low current", "R", "1", "O", "Boolean", "", "", "True while the current is under its low threshold."),
        # The registry gives this threshold the unit V, an evident slip for a current: we write A.
        R(9, "High current threshold", "R", "1", "O", "Float", "", "A", "Current above which High current is set."),
        R(10, "High current", "R", "1", "O", "Boolean", "", "", "True while the current is over its high threshold."),
        R(11, "Frequency", "R", "1", "O", "Float", "", "Hz", "Mains frequency."),
        R(12, "Angle of I-U", "R", "1", "O", "Float", "", "deg", "Phase angle between current and voltage."),
        R(13, "Instantaneous Power Factor", "R", "1", "M", "Float", "", "", "Power factor now."),
        R(14, "Low power factor threshold", "R", "1", "O", "Float", "", "",
          "Power factor below which Low power factor is set."),
        R(15, "Low power factor", "R", "1", "O", "Boolean", "", "", "True while the power factor is under its threshold."),
        R(16, "Active power+ (QI+QIV)", "R", "1", "M", "Float", "", "W", "Active power drawn from the grid."),
        R(17, "Active power- (QII+QIII)", "R", "1", "O", "Float", "", "W", "Active power fed into the grid."),
        R(18, "Reactive power+ (QI+QII)", "R", "1", "O", "Float", "", "var", "Reactive power, positive quadrants."),
        R(19, "Reactive power- (QIII+QIV)", "R", "1", "O", "Float", "", "var", "Reactive power, negative quadrants."),
        R(20, "Instantaneous Apparent Power import (+VA)", "R", "1", "O", "Float", "", "VA", "Apparent power drawn."),
        R(21, "Instantaneous Apparent Power export (-VA)", "R", "1", "O", "Float", "", "VA", "Apparent power fed in."),
        R(22, "Instantaneous Active Power (|+A|+|-A|)", "R", "1", "O", "Float", "", "W",
          "Sum of imported and exported active power."),
        R(23, "Instantaneous Net Active Power (|+A|-|-A|)", "R", "1", "O", "Float", "", "W",
          "Imported minus exported active power."),
        R(24, "Measurement period of Instantaneous value", "R", "1", "O", "Float", "", "s",
          "Averaging window of the instantaneous values."),
        R(25, "Active energy import (+A) Un", "R", "1", "M", "Float", "", "Wh", "Energy register: active energy drawn."),
        R(26, "Active energy export (-A) Un", "R", "1", "O", "Float", "", "Wh", "Energy register: active energy fed in."),
        R(27, "Active energy (|+A|+|-A|) Combined total", "R", "1", "O", "Float", "", "Wh",
          "Drawn plus fed-in active energy."),
        R(28, "Active energy (|+A|-|-A|) Combined total", "R", "1", "O", "Float", "", "Wh",
          "Drawn minus fed-in active energy."),
        R(29, "Reactive energy import (+R) Un", "R", "1", "O", "Float", "", "varh", "Reactive energy, import."),
        R(30, "Reactive energy export (-R) Un", "R", "1", "O", "Float", "", "varh", "Reactive energy, export."),
        R(31, "Reactive energy QI (+Ri) Un", "R", "1", "O", "Float", "", "varh", "Reactive energy in quadrant I."),
        R(32, "Reactive energy QII (+Rc) Un", "R", "1", "O", "Float", "", "varh", "Reactive energy in quadrant II."),
        R(33, "Reactive energy QIII (-Ri) Un", "R", "1", "O", "Float", "", "varh", "Reactive energy in quadrant III."),
        R(34, "Reactive energy QIV (-Rc) Un", "R", "1", "O", "Float", "", "varh", "Reactive energy in quadrant IV."),
        R(35, "Apparent energy import Un", "R", "1", "O", "Float", "", "VAh", "Apparent energy drawn."),
        R(36, "Apparent energy export Un", "R", "1", "O", "Float", "", "VAh", "Apparent energy fed in."),
        R(37, "Number of power failures", "R", "1", "O", "Float", "", "", "Count of supply interruptions."),
        R(38, "Number of long power failures", "R", "1", "O", "Float", "", "",
          "Count of interruptions longer than the long-failure threshold."),
        R(39, "Time threshold for long power failure", "RW", "1", "O", "Float", "", "s",
          "Duration from which an interruption counts as long."),
        R(40, "Duration of last long power failure", "R", "1", "O", "Float", "", "s", "Length of the last long outage."),
        R(41, "Threshold for voltage sag", "RW", "1", "O", "Float", "", "V", "Voltage under which a sag begins."),
        R(42, "Time threshold for voltage sag", "RW", "1", "O", "Float", "", "s",
          "How long the voltage must stay low to count as a sag."),
        R(43, "Number of voltage sags", "R", "1", "O", "Float", "", "", "Count of sags."),
        R(44, "Duration of last voltage sag", "R", "1", "O", "Float", "", "s", "Length of the last sag."),
        R(45, "Magnitude of last voltage sag", "R", "1", "O", "Float", "", "V", "Lowest voltage in the last sag."),
        R(46, "Threshold for voltage swell", "RW", "1", "O", "Float", "", "V", "Voltage over which a swell begins."),
        R(47, "Time threshold for voltage swell", "RW", "1", "O", "Float", "", "s",
          "How long the voltage must stay high to count as a swell."),
        R(48, "Number of voltage swells", "R", "1", "O", "Float", "", "", "Count of swells."),
        R(49, "Duration of last voltage swell", "R", "1", "O", "Float", "", "s", "Length of the last swell."),
        R(50, "Magnitude of last voltage swell", "R", "1", "O", "Float", "", "V", "Highest voltage in the last swell."),
        R(51, "Threshold for missing voltage (voltage cut)", "RW", "1", "O", "Float", "", "V",
          "Voltage under which the supply counts as cut."),
        R(52, "Time threshold for voltage cut", "RW", "1", "O", "Float", "", "s",
          "How long the voltage must be missing to count as a cut."),
        R(53, "Voltage cut", "R", "1", "O", "Boolean", "", "", "True while the supply is cut."),
        R(54, "CT Numerator Parameter", "RW", "1", "O", "Float", "", "", "Current transformer ratio, numerator."),
        R(55, "CT Denominator Parameter", "RW", "1", "O", "Float", "", "", "Current transformer ratio, denominator."),
        R(56, "VT Numerator Parameter", "RW", "1", "O", "Float", "", "", "Voltage transformer ratio, numerator."),
        R(57, "VT Denominator Parameter", "RW", "1", "O", "Float", "", "", "Voltage transformer ratio, denominator."),
        R(58, "Unexpected load", "R", "1", "O", "Boolean", "", "",
          "True when power is drawn while the load should be off."),
        *UCIFI_QUALITY,
    ),
)


def _volume_meter(oid: int, name: str, medium: str, flags: tuple[Res, ...], desc: str) -> Obj:
    """The uCIFI gas and water meters share resources 1-10; only the alarm flags after 10 differ."""
    return Obj(
        oid, name, "1.1", "1.0", f"urn:oma:lwm2m:ext:{oid}:1.1", True, False, desc,
        resources=(
            R(1, f"Cumulated {medium} volume", "R", "1", "M", "Float", "", "m3",
              f"Total {medium} volume counted by the meter (the billing index)."),
            R(2, f"Cumulated {medium} meter value reset", "E", "1", "O", "none", "", "",
              "Set the volume index back to zero."),
            R(3, "Type of meter", "RW", "1", "O", "String", "", "", "Metering technology, e.g. ultrasonic."),
            R(4, "Cumulated pulse value", "R", "1", "O", "Integer", "", "", "Pulses counted from a pulse output."),
            R(5, "Cumulated pulse value reset", "E", "1", "O", "none", "", "", "Set the pulse count back to zero."),
            R(6, "Pulse ratio", "RW", "1", "O", "Integer", "", "", "Pulses per cubic metre."),
            R(7, "Minimum flow rate", "R", "1", "O", "Float", "", "m3/s", "Smallest flow seen."),
            R(8, "Maximum flow rate", "R", "1", "O", "Float", "", "m3/s", "Largest flow seen."),
            R(9, "Leak suspected", "R", "1", "O", "Boolean", "", "", "True when the flow pattern hints at a leak."),
            R(10, "Leak detected", "R", "1", "O", "Boolean", "", "", "True when a leak is established."),
            *flags,
            *UCIFI_QUALITY,
        ),
    )


GAS_METER = _volume_meter(
    3423, "Gas meter", "gas",
    (R(11, "High temperature", "R", "1", "O", "Boolean", "", "", "True when the meter is too hot (fire risk)."),),
    "A gas meter: volume index, pulse count, flow extremes and leak/temperature alarms.")

WATER_METER = _volume_meter(
    3424, "Water meter", "water",
    (R(11, "Back flow detected", "R", "1", "O", "Boolean", "", "", "True when water ran backwards."),
     R(12, "Blocked meter", "R", "1", "O", "Boolean", "", "", "True when the meter mechanism is stuck."),
     R(13, "Fraud detected", "R", "1", "O", "Boolean", "", "",
       "True when tampering (e.g. a magnet) is detected.")),
    "A water meter: volume index, pulse count, flow extremes and leak, back-flow, blockage and "
    "tamper alarms.")

INTERVAL_DELIVERY = Obj(
    10262, "Interval Data Delivery", "1.0", "1.0", "urn:oma:lwm2m:x:10262", True, False,
    "Groups several interval-data objects so their recordings are delivered together.",
    resources=(
        R(0, "Name", "RW", "1", "M", "String", "", "", "Label of this delivery group."),
        R(1, "Interval Data Links", "RW", "N", "M", "Objlnk", "", "",
          "The interval-data object instances in the group (e.g. 10266/0)."),
        R(2, "Latest Payload", "R", "N", "M", "Opaque", "", "", "Latest payload of each linked instance."),
        R(3, "Schedule", "RW", "1", "O", "Objlnk", "", "", "Delivery Schedule instance (10264) to follow."),
    ),
)

EVENT_DELIVERY = Obj(
    10263, "Event Data Delivery", "1.0", "1.0", "urn:oma:lwm2m:x:10263", True, False,
    "Groups several event and alarm objects so their records are delivered together.",
    resources=(
        R(0, "Name", "RW", "1", "M", "String", "", "", "Label of this delivery group."),
        R(1, "Event Data Links", "RW", "N", "M", "Objlnk", "", "",
          "The event/alarm object instances in the group (e.g. 10281/0)."),
        R(2, "Latest Eventlog", "R", "N", "M", "Opaque", "", "", "Latest event records of each linked instance."),
        R(3, "Schedule", "RW", "1", "M", "Objlnk", "", "", "Delivery Schedule instance (10264) to follow."),
    ),
)

DELIVERY_SCHEDULE = Obj(
    10264, "Delivery Schedule", "1.0", "1.0", "urn:oma:lwm2m:x:10264", True, False,
    "When grouped data is sent: start, period, a random spread and retries.",
    resources=(
        R(0, "Schedule Start Time", "RW", "1", "M", "Integer", "", "",
          "Seconds after midnight of the first delivery of the day."),
        R(1, "Schedule UTC Offset", "RW", "1", "M", "String", "", "", "Time zone the start time refers to."),
        R(2, "Delivery Frequency", "RW", "1", "M", "Integer", "", "", "Seconds between deliveries."),
        R(3, "Randomised Delivery Window", "RW", "1", "O", "Integer", "", "",
          "Spread deliveries randomly over this many seconds so meters do not send at once."),
        R(4, "Number of Retries", "RW", "1", "O", "Integer", "", "", "Attempts after a failed delivery."),
        R(5, "Retry Period", "RW", "1", "O", "Integer", "", "", "Seconds between retries."),
    ),
)

WATER_FLOW_READINGS = Obj(
    10266, "Water Flow Readings", "1.0", "1.0", "urn:oma:lwm2m:x:10266", True, False,
    "Water volume recorded per interval, kept for delivery through Interval Data Delivery.",
    resources=INTERVAL_DATA,
)

LOW_BATTERY_ALARM = Obj(
    10281, "Low Battery Alarm", "1.0", "1.0", "urn:oma:lwm2m:x:10281", True, False,
    "Raised when the battery voltage drops under a threshold; delivered through Event Data Delivery.",
    resources=EVENT_DATA,
)


ALL: tuple[Obj, ...] = (
    SECURITY, SECURITY_1_0, SERVER, SERVER_1_0, ACCESS_CONTROL, ACCESS_CONTROL_1_0,
    DEVICE, DEVICE_1_0, CONNECTIVITY, CONNECTIVITY_1_0, FIRMWARE, FIRMWARE_1_0, LOCATION, CONNECTIVITY_STATISTICS,
    SOFTWARE, CELLULAR_CONNECTIVITY, APN_CONNECTION_PROFILE, WLAN_CONNECTIVITY, BEARER_SELECTION,
    PORTFOLIO, BINARY_APP_DATA, EVENT_LOG, OSCORE, LTE_MTC_BAND, REMOTE_SIM,
    ELECTRICITY_METER, GAS_METER, WATER_METER,
    INTERVAL_DELIVERY, EVENT_DELIVERY, DELIVERY_SCHEDULE, WATER_FLOW_READINGS, LOW_BATTERY_ALARM,
)

#: Objects whose registry file is not among the shared OMNA test files (../shared/objects-ddf), with where the
#: facts were taken from instead; tests/model compares every other object with its registry file.
SOURCED_ELSEWHERE: dict[tuple[int, str], str] = {
    (16, "1.0"): "OMNA registry 16.xml (Portfolio 1.0, LwM2M 1.0) at the shared set's commit b62ffc2, read from "
                 "the registry repository itself (github.com/OpenMobileAlliance/lwm2m-registry)",
    (12, "1.1"): "OMNA registry 12.xml (WLAN connectivity 1.1, LwM2M 1.0) at the shared set's commit b62ffc2, read "
                 "from the registry repository itself (ETS CONMGMT-int-1350 step 4 reads its Enable and Status)",
    (13, "1.1"): "OMNA registry 13.xml (Bearer Selection 1.1, LwM2M 1.1) at the shared set's commit b62ffc2, read "
                 "from the registry repository itself (ETS CONMGMT-int-1350 writes its Preferred Communications "
                 "Bearer)",
}

#: Deliberate differences from the registry, by (object id, version, resource id): the field and why.
CORRECTIONS: dict[tuple[int, str, int], tuple[str, str]] = {
    (3421, "2.0", 9): ("units", "the registry gives a current threshold the unit V; we write A"),
    (4, "1.0", 9): ("units", "the registry gives SMNC (a network code) the unit %; we leave it empty"),
}


def write_all(out: Path = OBJECTS_DIR, objs: Iterable[Obj] = ALL) -> list[Path]:
    """Write every object's DDF into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for obj in objs:
        path = out / obj.filename
        path.write_text(render(obj), encoding="utf-8")
        written.append(path)
    return written


def stale(out: Path = OBJECTS_DIR, objs: Iterable[Obj] = ALL) -> list[str]:
    """Names of files in ``out`` that are missing or differ from what the tables render."""
    bad = []
    for obj in objs:
        path = out / obj.filename
        if not path.is_file() or path.read_text(encoding="utf-8") != render(obj):
            bad.append(obj.filename)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OBJECTS_DIR, help="folder to write (default: objects/)")
    parser.add_argument("--check", action="store_true", help="only report files that differ; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(args.out)
        for name in bad:
            print(f"{args.out / name}: differs from tools/ddf_author.py", file=sys.stderr)
        return 1 if bad else 0
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
