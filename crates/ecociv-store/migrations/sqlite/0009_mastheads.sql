-- What the task force puts on a document of the review: the red header (the issuing office's
-- lines), the document number, the office that signs, the date of issue, and the paragraphs only
-- people write (a JSON object: key → text). One per document kind and period.
CREATE TABLE mastheads (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    header_lines TEXT NOT NULL,
    number TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    texts TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (zone_code, kind, period)
);
