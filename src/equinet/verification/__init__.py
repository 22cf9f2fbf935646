"""Provider verification: competence certificates a provider submits and an admin reviews."""
