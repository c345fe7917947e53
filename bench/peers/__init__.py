"""The peer servers of the benchmark, each run from its own virtual environment."""
