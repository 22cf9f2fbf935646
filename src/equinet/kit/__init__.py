"""Shared pieces used by every domain: errors, passwords, time helpers."""
