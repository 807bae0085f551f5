-- Every imported catalog text is kept: configurations and orders point at the version they
-- were made with, so an old order always reads back the same.
CREATE TABLE catalog_versions (
    id INTEGER PRIMARY KEY,
    catalog_code TEXT NOT NULL,
    label TEXT NOT NULL,
    revision INTEGER NOT NULL,
    source_sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by_staff_id BIGINT REFERENCES staff (id),
    UNIQUE (catalog_code, revision),
    UNIQUE (catalog_code, source_sha256)
);
