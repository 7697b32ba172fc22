"""Memory of the benchmark process, for the media benchmarks' reports."""


def rss_mb() -> float:
    """This process's resident set size in MB (Linux), NaN where /proc does not say."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
