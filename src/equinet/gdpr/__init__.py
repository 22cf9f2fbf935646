"""Personal data: export of everything about me, and deletion of my account."""
