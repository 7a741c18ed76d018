"""Alembic migrations of the events table (engine.tools.store runs them)."""
