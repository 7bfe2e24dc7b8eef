"""Leadership's quarter: frozen snapshots of a published quarter, reflection and report."""
