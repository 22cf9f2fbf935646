"""The service catalogue: what providers sell, managed by the provider who sells it."""
