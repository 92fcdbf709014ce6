"""The migrations build exactly the schema the models describe, on the database under test."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.models import Base


async def test_migrated_schema_matches_models(databases):
    db = await databases.new_database("migrations")
    try:
        async with db.write_engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
            )
    finally:
        await db.dispose()
    assert diff == []


async def test_upgrade_is_repeatable(databases):
    from db.migrate import upgrade

    db = await databases.new_database("repeat")
    try:
        await upgrade(db.write_engine)  # a second run finds nothing to do
        async with db.read_engine.connect() as connection:
            version = (await connection.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        await db.dispose()
    assert version
