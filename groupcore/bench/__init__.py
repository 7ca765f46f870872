"""Backend-swappable benchmarks: workloads, rooflines, peers, reports (``groupcore bench``)."""
