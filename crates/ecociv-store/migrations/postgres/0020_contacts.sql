-- Where reminders go and when: each user's contact (mail address, mobile, chosen channel), each
-- unit's group robot and head, and the zone's reminder settings; all on the audit trail. A
-- message that failed is tried again, a few times: the log counts the attempts.
CREATE TABLE user_contacts (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    user_name TEXT NOT NULL REFERENCES users(name),
    email TEXT NOT NULL,
    mobile TEXT NOT NULL,
    channel TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, user_name)
);
CREATE TABLE unit_contacts (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    org_unit TEXT NOT NULL,
    robot TEXT NOT NULL,
    webhook TEXT NOT NULL,
    secret TEXT NOT NULL,
    head TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, org_unit)
);
CREATE TABLE reminder_settings (
    zone_code TEXT PRIMARY KEY REFERENCES zones(code),
    days_before BIGINT NOT NULL,
    escalate_after BIGINT NOT NULL,
    digest_weekday BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE reminder_log ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;
