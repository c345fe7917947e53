"""Benchmarks of weaver against the peer servers a user would otherwise pick (``make bench``)."""
