"""Geocoding: Swedish place names to coordinates, offline by default."""
