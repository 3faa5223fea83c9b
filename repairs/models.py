"""Built in a later stage (see README, "Roadmap")."""
