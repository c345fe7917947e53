"""Progress milestones of a job execution, in percent."""
from __future__ import annotations

from weaver.typedefs import Number


class JobProgress:
    """Job process execution progress."""

    SETUP = 1
    DESCRIBE = 2
    GET_INPUTS = 3
    GET_OUTPUTS = 10
    EXECUTE_REQUEST = 11
    EXECUTE_STATUS_LOCATION = 12
    EXECUTE_MONITOR_START = 13
    EXECUTE_MONITOR_LOOP = 14
    EXECUTE_MONITOR_DONE = 96
    EXECUTE_MONITOR_END = 98
    NOTIFY = 99
    DONE = 100


def map_progress(progress: Number, range_min: Number, range_max: Number) -> Number:
    """Map a 0-100 progress of a sub-step onto the ``[range_min, range_max]`` part of the job's progress."""
    return max(range_min, min(range_max, range_min + (progress * (range_max - range_min)) / 100))
