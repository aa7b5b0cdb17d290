"""The words people read, composed once for every output: the CLI now, the page and alerts next.

Between diagnose/ and the outputs (cli/, web/, service/): a Report, an
Inventory or pools in, text blocks and the one JSON envelope out. Outputs only
lay these out (wrapping, columns, colors, HTML).

- terminal.py: `safe()`, control characters made visible; every string the
  modules here return for people has been through it (JSON carries the originals).
- findings.py: a finding as a block: summary, detail, disk, evidence, fixes.
- disks.py: a disk as labelled facts: transport, bridge, serials, names and why, SMART.
- pools.py: pool state, space and scans (progress, ETA) in words.
- envelope.py: the one `--json` envelope (docs/json.md).

The vocabulary these share with the rules (sizes, durations, transports, why
a disk is named so) is in nodewatch/words/, one layer down, because the rules
write findings' texts and must not import present/.
"""
