"""The vocabulary: pure functions from model values to the words people read.

Sizes, durations, transports and what a disk's names mean are said the same
way by a finding (written by a rule in diagnose/), by `nodewatch disks` and
`nodewatch pools`, by the page and by an alert. The rules sit below present/
in the data flow (model → parse → probe → diagnose → present → outputs) and
must not import it, so the vocabulary they share with the outputs lives here,
one layer down: it imports nothing but model.py and may be imported by every
layer above it. Composing those words into blocks for an output (a finding
with its fixes, a disk with its facts, the JSON envelope) is present/'s job.
"""
