-- Supervision orders (督查督办): the task force orders a unit to act on an indicator, a task or
-- a project by a deadline; the unit answers, the task force closes the order or sends it back.
-- Every version is on the audit trail; version moves with each change (optimistic locking).
CREATE TABLE supervision_orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    org_unit TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    matter TEXT NOT NULL,
    required TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX supervision_orders_zone ON supervision_orders (zone_code, org_unit);
