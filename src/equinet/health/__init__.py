"""Health: is the database reachable, are migrations at head, is Redis answering."""
