"""The timing loop the benches share: the fastest of RUNS runs, in CPU seconds.

CPU time of this process (time.process_time), not wall time: the project
machine has 2 cores and often a lab VM or a test run beside a bench, and a
16 ms piece of work is descheduled far more often than a 3 ms baseline, which
made wall-clock ratios swing (a replay measured 4.1-8.6 x its json.loads on
one tree). The works take turns, so whatever load there is touches the
baseline and the measured alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best(works: list[Callable[[], object]], runs: int) -> list[float]:
    """Given works and a number of runs, return each work's fastest run in CPU seconds."""
    samples: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for work, times in zip(works, samples, strict=True):
            started = time.process_time()
            work()
            times.append(time.process_time() - started)
    return [min(times) for times in samples]


def best_one(work: Callable[[], object], runs: int) -> float:
    """The fastest of `runs` runs of one work, in CPU seconds."""
    return best([work], runs)[0]
