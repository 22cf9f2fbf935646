"""Group visits at a stable: requests, invite codes, participants and provider matching."""
