"""Benchmarks of dupcheck (not installed with the package): quality, speed, and their test oracles."""
