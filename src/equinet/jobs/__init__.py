"""Durable background work: a PostgreSQL job queue (procrastinate) written in the request's transaction."""
