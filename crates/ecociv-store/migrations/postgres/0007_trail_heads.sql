-- The last event of each zone's trail, written in the same transaction as the event, so that
-- cutting events off the end of the chain is noticed.
CREATE TABLE trail_heads (
    zone_code TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO trail_heads (zone_code, seq, hash)
    SELECT t.zone_code, t.seq, t.hash FROM trail t WHERE t.seq = (SELECT MAX(seq) FROM trail u WHERE u.zone_code = t.zone_code);
