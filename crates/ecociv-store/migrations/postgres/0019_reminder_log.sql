-- Reminders: the sent log (one row per reminder and recipient, claimed before it is sent, so
-- that no instance and no restart sends it twice) and the leases that let one scheduler run at
-- a time. Neither is the zone's data: they are not on the audit trail.
CREATE TABLE reminder_log (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    reminder_key TEXT NOT NULL,
    recipient TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    channel TEXT NOT NULL,
    stage TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, reminder_key, recipient)
);
CREATE INDEX reminder_log_unit ON reminder_log (zone_code, org_unit);
CREATE TABLE scheduler_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_at TEXT NOT NULL
);
