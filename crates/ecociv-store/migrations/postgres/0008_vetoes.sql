-- Veto conditions (一票否决) the task force records: they fail the review whatever the scores.
CREATE TABLE vetoes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_code TEXT NOT NULL REFERENCES zones(code),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
