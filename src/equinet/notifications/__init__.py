"""In-app notifications: the exact Swedish messages of spec §3.16 and the user's inbox routes."""
