-- The heads of the zones' chains signed (SM2) with a key the database does not hold: a row here
-- proves that event `seq` of the zone had `hash` when it was signed, so that a trail rewritten
-- and chained again, cut, or erased by whoever can write to the database is found by
-- `ecociv audit verify`. Written by the signer, never by a write of the data.
CREATE TABLE trail_signatures (
    zone_code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (zone_code, seq)
);
