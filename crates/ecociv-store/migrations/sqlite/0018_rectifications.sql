-- Rectification tasks (整改任务) the task force keeps: one row per task, numbered in the zone;
-- their monthly progress is a dispatch report of kind 'rectification' whose subject is the number.
CREATE TABLE rectifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    number BIGINT NOT NULL,
    source TEXT NOT NULL,
    problem TEXT NOT NULL,
    owner TEXT NOT NULL,
    deadline TEXT NOT NULL,
    measures TEXT NOT NULL,
    status TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (zone_code, number)
);
