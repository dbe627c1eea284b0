"""Persistence: SQLAlchemy models, the engine and unit of work, queries, Alembic migrations."""
