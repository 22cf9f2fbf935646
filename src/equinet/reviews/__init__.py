"""Reviews of completed bookings and the provider's one reply (spec §2.8, §3.15)."""
