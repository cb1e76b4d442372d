"""`bench message`: scripted conversations through the engine."""
