-- The marked workbooks of refused imports, kept in the database so that any instance on it
-- hands them out (they were kept in one process's memory); the latest few per zone.
CREATE TABLE marked_workbooks (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    token TEXT NOT NULL,
    user_name TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, token)
);
CREATE INDEX marked_workbooks_age ON marked_workbooks (zone_code, created_at);
