-- The task force's controls of a zone's data loop: due dates, the jump bound, the indicators
-- asked by region, periods locked or opened; and evidence files stored by content hash.

CREATE TABLE zone_settings (
    zone_code TEXT PRIMARY KEY REFERENCES zones(code),
    dispatch_due_day BIGINT NOT NULL,
    observation_due TEXT NOT NULL,
    jump_bound TEXT NOT NULL,
    regional_indicators TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- a year ('2024') or a month ('2024-05'); state 'locked', or 'open' for a year after the plan
CREATE TABLE periods (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    period TEXT NOT NULL,
    state TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, period)
);

-- file contents by SM3 hash: one copy whoever uploads it
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    content BYTEA NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL
);

CREATE TABLE evidence (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    hash TEXT NOT NULL REFERENCES blobs(hash),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX evidence_entity ON evidence (zone_code, entity, entity_id);
