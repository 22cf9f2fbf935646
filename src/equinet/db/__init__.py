"""The database layer: URLs, engine, embedded server, sessions, migrations support."""
