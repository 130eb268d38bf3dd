"""Storage: SQLModel tables, the engine from settings, and Alembic migrations."""
