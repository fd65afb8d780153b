"""Which LwM2M objects carry meter data (the consumption and power readings a regulator treats as personal data).

From the OMNA registry: 3305 Power Measurement, 3331 Energy (IPSO), 3421 Electricity Meter, 3422 (its
3-phase companion), 3423 Gas Meter, 3424 Water Meter, 10242/10243 3-Phase/Single-Phase Power Meter, 10257
Heat/Cooling Meter, 10262 Interval Data Delivery, 10263 Event Data Delivery.  ETSI EN 303 645 5.8-1/5.8-2 ask
for personal and sensitive data to be protected in transit; REG-DATA-01 watches exactly these objects, and the
simulator's ``metering-mirrored-in-clear`` defect leaks exactly these.
"""

from __future__ import annotations

METERING_OBJECTS: frozenset[int] = frozenset((3305, 3331, 3421, 3422, 3423, 3424, 10242, 10243, 10257, 10262, 10263))
#: The cumulative registers of each meter object, the mandatory one first: the definitions call them
#: cumulated/energy registers, which only count up (only the reset executables, 3423/3424 resources 2 and 5, set
#: them back).  MP-METER-CUMULATIVE observes them; REG-RES-02 reads them across a power cut.
CUMULATIVE: dict[int, tuple[int, ...]] = {
    3421: (25, 26, 27, 29, 30, 31, 32, 33, 34, 35, 36),   # energy registers (+A, -A, |+A|+|-A|, reactive, apparent)
    3423: (1, 4),                                         # cumulated gas volume, cumulated pulse value
    3424: (1, 4),                                         # cumulated water volume, cumulated pulse value
}

__all__ = ["CUMULATIVE", "METERING_OBJECTS"]
