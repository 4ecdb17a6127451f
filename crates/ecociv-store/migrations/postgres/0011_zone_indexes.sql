-- Every table that refers to a zone can find its rows by the zone: users and vetoes could not,
-- so listing a zone's users read them all, and so did any check of what refers to a zone.
CREATE INDEX users_zone ON users (zone_code);
CREATE INDEX vetoes_zone ON vetoes (zone_code);
