"""ketapath: an open clinical platform for ketamine treatment of TRD."""

__version__ = "0.1.0"
