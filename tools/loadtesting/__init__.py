"""Load data for the benchmarks and the load and crash tests' exam, sessions and checks."""
