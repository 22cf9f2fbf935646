"""In-app notifications: the exact Swedish messages and the user's inbox routes."""
