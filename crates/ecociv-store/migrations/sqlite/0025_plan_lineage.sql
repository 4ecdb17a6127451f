-- The next plan from the last. A plan that follows another says what of it each indicator, task
-- and project continues (plans.lineage, the JSON of ecociv_core::model::Lineage; NULL for a
-- zone's first plan). The plan it replaced is kept whole, as the JSON of its model, with the day
-- it was superseded. Its indicators that the next plan does not have stay in `indicators`,
-- retired, because the entries of its years refer to them; so do their categories.
ALTER TABLE plans ADD COLUMN lineage TEXT;
ALTER TABLE indicators ADD COLUMN retired BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE categories ADD COLUMN retired BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE plan_archive (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    code TEXT NOT NULL,
    plan TEXT NOT NULL,
    superseded_on TEXT NOT NULL,
    superseded_by TEXT NOT NULL,
    PRIMARY KEY (zone_code, code)
);
