-- The evidence files, kept by content hash, are kept per zone, as on PostgreSQL (where every
-- table is keyed by its zone or is a small reference table, for a distributed PostgreSQL): a
-- file two zones both hold is stored once for each. A stored file no evidence names (none is
-- made so) has no zone and is not carried over. SQLite changes a table's key by building it
-- again; the evidence, which refers to the files, is built again with it, its ids kept.
CREATE TABLE zone_blobs (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    hash TEXT NOT NULL,
    content BLOB NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (zone_code, hash)
);
INSERT INTO zone_blobs (zone_code, hash, content, media_type, size)
SELECT DISTINCT e.zone_code, b.hash, b.content, b.media_type, b.size
FROM evidence e JOIN blobs b ON b.hash = e.hash;

CREATE TABLE zone_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    hash TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    FOREIGN KEY (zone_code, hash) REFERENCES zone_blobs (zone_code, hash)
);
INSERT INTO zone_evidence (id, zone_code, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at)
SELECT id, zone_code, entity, entity_id, hash, file_name, media_type, size, uploaded_by, uploaded_at FROM evidence;

DROP TABLE evidence;
DROP TABLE blobs;
ALTER TABLE zone_blobs RENAME TO blobs;
ALTER TABLE zone_evidence RENAME TO evidence;
CREATE INDEX evidence_entity ON evidence (zone_code, entity, entity_id);
