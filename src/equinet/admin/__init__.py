"""Administration: the verification queue, user accounts and the audit log of admin actions."""
