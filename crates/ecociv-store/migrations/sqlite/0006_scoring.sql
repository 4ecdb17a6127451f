-- Versions of a zone's scoring rules (考核办法) and the assessments computed with them.

CREATE TABLE scoring_rules (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, version)
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    quarter TEXT NOT NULL,
    rules_version INTEGER NOT NULL,
    result TEXT NOT NULL,
    computed_by TEXT NOT NULL,
    computed_at TEXT NOT NULL
);
CREATE INDEX assessments_quarter ON assessments (zone_code, quarter);
