"""The org chart: departments as a tree, and its import."""
