import statistics


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(title, rows):
    """Print a small table: name, p50, p99 (ms), n."""
    print(f"\n== {title}")
    for name, values in rows:
        print(f"   {name:<48} p50 {percentile(values, 50) * 1000:8.2f} ms   p99 {percentile(values, 99) * 1000:8.2f} ms"
              f"   mean {statistics.fmean(values) * 1000:8.2f} ms   n={len(values)}")
