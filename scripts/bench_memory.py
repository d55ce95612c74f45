"""Peak memory of the running process, shared by the benchmark scripts."""

from __future__ import annotations

import sys
from pathlib import Path


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MB (None where the platform cannot tell, e.g. Windows).

    Linux's VmHWM, unlike ru_maxrss, is not inherited across exec, so a child process measures only itself.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024  # Linux KiB, macOS bytes
