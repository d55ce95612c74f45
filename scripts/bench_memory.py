"""Peak memory of the running process, shared by the benchmark scripts."""

from __future__ import annotations

import sys
from pathlib import Path


def _status_mb(field: str) -> float | None:
    """A memory figure of /proc/self/status (Linux), in MB; None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_now_mb() -> float:
    """This process's resident memory right now (VmRSS), in MB; 0 where the platform cannot tell."""
    return _status_mb("VmRSS") or 0.0


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MB (None where the platform cannot tell, e.g. Windows).

    Linux's VmHWM, unlike ru_maxrss, is not inherited across exec, so a child process measures only itself.
    """
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024  # Linux KiB, macOS bytes


def peak_mb() -> float:
    """peak_rss_mb, 0 where the platform cannot tell (for figures printed as numbers)."""
    return peak_rss_mb() or 0.0
