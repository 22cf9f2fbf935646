"""Fixtures of the schema tests: `migrated` (a database of its own at head, stamped `test`) and
`scratch` (an empty one) come from tests/conftest.py."""
