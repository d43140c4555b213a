"""Process runtime: supervisor, worker loop, health heartbeats, logging."""
