"""Running weaver: the embedded store and broker, workers and web app as supervised child processes."""
