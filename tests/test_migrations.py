"""The migrations build exactly the schema the models describe, on the database under test."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.models import Base


async def test_migrated_schema_matches_models(databases):
    db = await databases.new_database("migrations")
    try:
        async with db.write_engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
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


async def test_workflow_migration_keeps_one_pending_update_and_splits_achieved_dates(databases):
    """Data written before 0002_workflow_hardening: two updates pending on one milestone, and an
    achieved milestone whose achieved_on was its approval date."""
    import datetime as dt

    from sqlalchemy import text

    from db.engine import Database
    from db.migrate import upgrade

    db = Database.from_url(await databases.new_url("workflow-migration"))
    try:
        await upgrade(db.write_engine, "0002")
        async with db.write_engine.begin() as connection:
            for statement in (
                "INSERT INTO regions (id, code, name, level, path) VALUES (1, '410000', '河南省', 'PROVINCE', '/1/')",
                "INSERT INTO programs (id, name, starts_on, default_term_months, version) VALUES (1, 'p', '2024-01-01', 36, 1)",
                "INSERT INTO agencies (id, name, region_id, status, version) VALUES (1, 'a', 1, 'REGISTERED', 1), (2, 'b', 1, 'REGISTERED', 1)",
                "INSERT INTO pairings (id, program_id, mentor_id, supported_id, starts_on, ends_on, status, focus_areas, version)"
                " VALUES (1, 1, 1, 2, '2024-01-01', '2026-12-31', 'ACTIVE', '[]', 1)",
                "INSERT INTO milestones (id, pairing_id, title, category, term_year, due_on, status, achieved_on, version)"
                " VALUES (1, 1, 'm1', 'GOVERNANCE', 1, '2024-12-31', 'SUBMITTED', NULL, 1),"
                " (2, 1, 'm2', 'GOVERNANCE', 1, '2024-12-31', 'ACHIEVED', '2025-03-01', 1)",
            ):
                await connection.execute(text(statement))
            await connection.execute(
                text(
                    "INSERT INTO milestone_updates (id, milestone_id, note, evidence_urls, status, submitted_by, submitted_at)"
                    " VALUES (:id, :milestone, 'n', '[]', :status, 'm', :at)"
                ),
                [
                    {"id": 1, "milestone": 1, "status": "PENDING_REVIEW", "at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC)},
                    {"id": 2, "milestone": 1, "status": "PENDING_REVIEW", "at": dt.datetime(2025, 1, 2, tzinfo=dt.UTC)},
                    # 2024-12-30 20:00 UTC is 2024-12-31 in China: on time, though approved in March.
                    {"id": 3, "milestone": 2, "status": "APPROVED", "at": dt.datetime(2024, 12, 30, 20, tzinfo=dt.UTC)},
                ],
            )
        await upgrade(db.write_engine)
        async with db.read_engine.connect() as connection:
            updates = (await connection.execute(text("SELECT id, status FROM milestone_updates ORDER BY id"))).all()
            dates = (
                await connection.execute(text("SELECT achieved_on, approved_on FROM milestones WHERE id = 2"))
            ).one()
    finally:
        await db.dispose()
    assert [tuple(row) for row in updates] == [(1, "RETURNED"), (2, "PENDING_REVIEW"), (3, "APPROVED")]
    assert [str(value) for value in dates] == ["2024-12-31", "2025-03-01"]
