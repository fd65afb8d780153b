"""``meterproof list-cases [--dut-profile P] [pytest options]``: every case of the suites, one line each.

    int-101    applies        OMA ETS / Registration   Initial Registration
    int-1502   n/a: ...       OMA ETS / ...            ...

The columns are the case ID, whether it applies to the device (from the profile's claims, as the plugin
decides before a device registers: ``applies``, ``n/a: <reason>`` or ``waived: <reason>``), the case's
group (epic / feature, as in the Allure report) and its title.  Under the hood: the installed suites
collected by pytest (``--collect-only``) with the plugin's ``--meterproof-list-cases`` report; any other
option (``--dut``, ``--sim-lwm2m``, ``--case``, ``-k`` ...) narrows or changes the device as for a run.
"""

from __future__ import annotations

import sys
from typing import Sequence

from .run import pytest_args


def main(user_args: Sequence[str]) -> int:
    import pytest
    code = int(pytest.main(pytest_args(["--collect-only", "--meterproof-list-cases", "-p", "no:terminal", "-s",
                                        "-p", "no:cacheprovider", *user_args])))
    if code == 2:       # pytest's own output is off: say where to look
        print("meterproof list-cases: the suites could not be collected; 'meterproof run --collect-only' shows why",
              file=sys.stderr)
    return 0 if code in (0, 5) else code
