"""Hypothesis profiles. A developer's run draws new examples each time: that is how the property
tests find bugs (one found a DEGRADED pool left without a word about its state). CI
(HYPOTHESIS_PROFILE=ci, set by .ci/run) draws the same examples on every run, so a new find
fails somebody's test run, where it can be looked at, rather than a landing at random."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
