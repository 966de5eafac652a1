"""Alembic environment: runs on the connection of the ``Database`` the caller passed in."""

from alembic import context

from voucher_engine.storage.tables import metadata

database = context.config.attributes["database"]

with database.sa.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=database.dialect == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
