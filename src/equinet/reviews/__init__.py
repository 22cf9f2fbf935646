"""Reviews of completed bookings and the provider's one reply."""
