-- Every table is keyed by its zone or is a small reference table (zones, users, sessions,
-- api_tokens, scheduler_leases), so that a distributed PostgreSQL (Citus) can place each
-- zone's rows together and route a zone's queries to one node: a distributed table's keys must
-- hold the column it is distributed by. The tables keyed by a number alone are keyed by
-- (zone_code, id); the number stays unique on its own, as before.
ALTER TABLE observations DROP CONSTRAINT observations_pkey, ADD PRIMARY KEY (zone_code, id);
ALTER TABLE dispatch_reports DROP CONSTRAINT dispatch_reports_pkey, ADD PRIMARY KEY (zone_code, id);
ALTER TABLE evidence DROP CONSTRAINT evidence_pkey, ADD PRIMARY KEY (zone_code, id);
ALTER TABLE assessments DROP CONSTRAINT assessments_pkey, ADD PRIMARY KEY (zone_code, id);
ALTER TABLE vetoes DROP CONSTRAINT vetoes_pkey, ADD PRIMARY KEY (zone_code, id);
ALTER TABLE supervision_orders DROP CONSTRAINT supervision_orders_pkey, ADD PRIMARY KEY (zone_code, id);
ALTER TABLE rectifications DROP CONSTRAINT rectifications_pkey, ADD PRIMARY KEY (zone_code, id);

-- The evidence files, kept by content hash, are kept per zone: a file two zones both hold is
-- stored once for each (a zone's data never needs another zone's row). A stored file no
-- evidence names (none is made so) has no zone and is not carried over.
CREATE TABLE zone_blobs (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    hash TEXT NOT NULL,
    content BYTEA NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (zone_code, hash)
);
INSERT INTO zone_blobs (zone_code, hash, content, media_type, size)
SELECT DISTINCT ON (e.zone_code, b.hash) e.zone_code, b.hash, b.content, b.media_type, b.size
FROM evidence e JOIN blobs b ON b.hash = e.hash
ORDER BY e.zone_code, b.hash;
ALTER TABLE evidence DROP CONSTRAINT evidence_hash_fkey;
DROP TABLE blobs;
ALTER TABLE zone_blobs RENAME TO blobs;
ALTER TABLE blobs RENAME CONSTRAINT zone_blobs_pkey TO blobs_pkey;
ALTER TABLE evidence ADD CONSTRAINT evidence_blob_fkey FOREIGN KEY (zone_code, hash) REFERENCES blobs (zone_code, hash);
