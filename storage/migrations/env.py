"""Alembic environment: runs on the connection the application hands over (see Database.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: COMEHOME_DATABASE_URL names the database
    import os

    engine = create_engine(os.environ.get("COMEHOME_DATABASE_URL", "sqlite:///comehome.db"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
