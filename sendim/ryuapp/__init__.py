"""Ryu inside sendim: the only package that imports ``ryu``.

- :mod:`sendim.ryuapp.compat` — run-time fixes that let ryu 4.34 import on
  Python 3.11 with a current eventlet (installed files are never edited).
- :mod:`sendim.ryuapp.launcher` — ``ryu-manager`` replacement for real
  controller processes (emulation, hardware).
- :mod:`sendim.ryuapp.simhub` — ``ryu.lib.hub`` in simulated time.
- :mod:`sendim.ryuapp.translate` — Ryu OF1.3 parser objects <-> sendim
  OpenFlow messages.
- :mod:`sendim.ryuapp.adapter` — Ryu apps as a simulator controller.

Importing this package does not import ryu; its submodules do, lazily.
"""
