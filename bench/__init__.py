"""Load benchmark of the portal's pages against a hello-world floor (see bench/run.py)."""
