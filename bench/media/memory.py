"""Memory of the benchmark process, for the media benchmarks' reports."""


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """This process's resident set size in MB (Linux), NaN where /proc does not say."""
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB since it started its program (Linux). Unlike
    getrusage's ru_maxrss, which a process started by another keeps from its parent."""
    return _status_mb("VmHWM")
