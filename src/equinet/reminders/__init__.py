"""Reminders: rebook a recurring service when its interval has passed, and the visit tomorrow."""
