"""Hardware adapters behind small interfaces, each paired with a simulator.

One interface per device kind (card reader, receipt printer, code scanner, camera), one status
model for all of them (:mod:`drivers.status`), typed errors (:mod:`drivers.errors`) and one
registry that config uses to pick an adapter by its ``kind`` (:mod:`drivers.registry`).

This package imports nothing of ours: the core decides which adapter to build, the adapters
only talk to hardware (or pretend to, convincingly, in the simulators).
"""
