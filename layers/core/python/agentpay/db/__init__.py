"""Database access: connection resolution, the per-process connection source, migrations."""

from agentpay.db.connection import Database, get_database, set_database

__all__ = ["Database", "get_database", "set_database"]
