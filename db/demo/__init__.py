"""Demo data sets, each loaded into a migrated database in one transaction (see `db.demo.henan`)."""
