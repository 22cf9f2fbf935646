"""Operator tools: drift check, adoption, RLS check, seeding."""
