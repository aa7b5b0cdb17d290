"""Probes: the only code that touches the machine. Each is time-limited and
turns every failure into a ProbeResult instead of an exception."""
