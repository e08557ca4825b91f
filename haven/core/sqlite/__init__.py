"""Haven's SQLite database backend: Django's, with writers queueing for the write lock (see base.py)."""
