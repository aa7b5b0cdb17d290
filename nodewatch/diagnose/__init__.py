"""Pure rules: a Snapshot in, Findings with Actions out. No I/O."""
