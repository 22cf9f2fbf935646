"""Uploads: avatars, horse photos and verification documents."""
