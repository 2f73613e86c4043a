"""The pure clinical core of ketapath.

Standard library only: no frameworks, no clock, no randomness, no environment, no I/O.
Every rule cites its source (see :mod:`ketapath.core.sources`) and every decision explains
itself with :class:`~ketapath.core.findings.Finding` values.
"""
