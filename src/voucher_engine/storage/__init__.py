"""Storage: SQLAlchemy 2 Core tables, the database wrapper, migrations. Nothing above this
package sees a driver error: they are translated to ``voucher_engine.errors`` here."""

from voucher_engine.storage.database import Database

__all__ = ["Database"]
