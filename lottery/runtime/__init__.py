"""Process plumbing above the pure core: forked workers and the garbage-collector pause."""
