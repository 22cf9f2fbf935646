"""Availability: weekly opening hours, date exceptions and the slot engine."""
