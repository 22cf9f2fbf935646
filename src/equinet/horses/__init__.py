"""Horses, their care notes, the merged timeline, passport links and exports."""
