"""The reference smart meter: a complete LwM2M client on meterproof's engine, with seeded defects.

``SimulatedMeter`` (:mod:`.meter`) is the device; ``DEFECTS`` (:mod:`.defects`)
the catalog of named non-conformances it can be started with;
:mod:`.firmware_image` the image format its Firmware Update object accepts.
"""

from .defects import DEFECTS, Defect
from .firmware_image import build_image
from .meter import SimulatedMeter

__all__ = ["DEFECTS", "Defect", "SimulatedMeter", "build_image"]
