"""Accounts: users, login sessions, and who may call what."""
