"""Storage: engine factory, typed models, sessions and migrations."""
