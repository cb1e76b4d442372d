"""The local stack's stand-ins for AWS: same handlers, same event shapes, one machine."""
