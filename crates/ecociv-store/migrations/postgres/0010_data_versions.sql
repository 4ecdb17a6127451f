-- A version per zone and kind of data (observations, dispatch, controls, plan), moved in the
-- same transaction as every write of that kind: what the per-zone views are computed for.
-- Accounts, sessions and tokens have none, so that a sign-in changes no view.
CREATE TABLE data_versions (
    zone_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (zone_code, kind)
);
