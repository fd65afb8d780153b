"""Drivers that start, stop, reboot and configure a device under test.

Every driver offers the same small interface (:class:`~.base.Driver`), so a
suite drives the built-in simulator, an external client program, an AT-command
modem or a hand-powered meter the same way.
"""
