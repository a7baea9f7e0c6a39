"""Ryu apps shipped with sendim (OpenFlow 1.3, plain Ryu: no sendim imports).

Run them with ``ryu-manager`` (or ``sendim run ... --app controller_apps/NAME.py``):

* :mod:`~controller_apps.shortest_path` — shortest paths over discovered topology, proxy ARP;
* :mod:`~controller_apps.ecmp` — load balancing over equal-cost paths with select groups;
* :mod:`~controller_apps.throttle` — per-host rate caps with meters, from a profile;
* :mod:`~controller_apps.fast_failover` — fast-failover groups with precomputed backups.
"""
