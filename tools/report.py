"""``meterproof report RESULTS... -o DIR``: one or more runs as a conformance report an auditor opens from disk.

RESULTS are results JSON files (``--meterproof-results``) or folders of them.  DIR gets ``report.html`` (one
self-contained file: no server, no script, nothing fetched; device identities, verdicts per case and group,
the comparison of devices and runs with changed cases highlighted, every finding with its clause, expected
and received values, and its evidence), ``summary.json`` (the same as data) and ``evidence/`` (each case's
transcript and capture, copied from the runs).  Exit status 0 when the report is written, whatever the
verdicts (the run's own exit status says whether the device passed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from meterproof.errors import ConfigError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", nargs="+", metavar="RESULTS",
                   help="a results JSON (pytest --meterproof-results PATH) or a folder of them; several: compared")
    p.add_argument("-o", "--output", metavar="DIR", required=True,
                   help="folder for report.html, summary.json and the copied evidence")


def run(args: argparse.Namespace) -> int:
    from meterproof.report.conformance import write_report
    from meterproof.report.runs import load
    runs = load(args.results)
    try:
        html, summary = write_report(runs, Path(args.output))
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {html} and {summary} ({len(runs)} run(s))", file=sys.stderr)
    return 0
