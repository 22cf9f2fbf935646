"""Providers: public search and profiles, owner profile edits, the listing cache."""
