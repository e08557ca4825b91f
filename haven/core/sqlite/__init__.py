"""Haven's SQLite database backend: Django's, with writers queued inside each process (see base.py)."""
