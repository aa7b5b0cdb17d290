"""nodewatch: which physical disk is wrong with my ZFS pool, and what do I type to fix it."""

__version__ = "0.1.0"
