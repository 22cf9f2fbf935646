"""Bookings: creation under a provider lock, the status machine, manual bookings, provider tools."""
