-- Accounts, sessions and API tokens; observations and dispatch reports with their approval
-- state; the hash-chained audit trail that replaces audit_log. Decimals as canonical TEXT.

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    org_unit TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- region '' is the whole zone (NULL would not be unique)
CREATE TABLE observations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_code TEXT NOT NULL,
    indicator_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL,
    comment TEXT NOT NULL,
    explanation TEXT NOT NULL,
    state TEXT NOT NULL,
    late BOOLEAN NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    UNIQUE (zone_code, indicator_code, year, region),
    FOREIGN KEY (zone_code, indicator_code) REFERENCES indicators(zone_code, code)
);

CREATE TABLE upper_targets (
    zone_code TEXT NOT NULL,
    indicator_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    value TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, indicator_code, year),
    FOREIGN KEY (zone_code, indicator_code) REFERENCES indicators(zone_code, code)
);

-- monthly reports of projects (kind 'project') and tasks (kind 'task'); a project has one report
-- a month, a task one per org unit that shares it (org_unit is the reporter for both)
CREATE TABLE dispatch_reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    kind TEXT NOT NULL,
    subject BIGINT NOT NULL,
    org_unit TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    progress_percent TEXT NOT NULL,
    investment_month_wan TEXT NOT NULL,
    investment_cumulative_wan TEXT NOT NULL,
    progress TEXT NOT NULL,
    quantities TEXT NOT NULL,
    benefits TEXT NOT NULL,
    problems TEXT NOT NULL,
    explanation TEXT NOT NULL,
    state TEXT NOT NULL,
    late BOOLEAN NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    UNIQUE (zone_code, kind, subject, org_unit, period)
);

-- append-only; each row's hash covers its fields and the hash of the row before (SM3)
CREATE TABLE trail (
    zone_code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (zone_code, seq)
);
CREATE INDEX trail_entity ON trail (zone_code, entity, entity_id);

DROP TABLE audit_log;
