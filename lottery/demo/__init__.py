"""The fictional demo city (青岚市), synthetic registries, recorded randomness, the benchmark."""
