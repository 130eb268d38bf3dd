"""The pure core: canonical bytes, signed records, the Merkle log, beacons, selection, teams
and verification.

Nothing in this package reads the clock, the environment, the network, files or a database:
every input is a parameter (bytes, values, times), every failure a typed exception from
:mod:`lottery.core.errors`.
"""
