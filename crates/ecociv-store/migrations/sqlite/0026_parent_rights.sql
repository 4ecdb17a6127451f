-- What a zone lets the task force of the zone above do in it (ecociv_core::access::ParentRight
-- codes as a JSON list): nothing by default but read the approved figures of its roll-up.
ALTER TABLE zone_settings ADD COLUMN parent_rights TEXT NOT NULL DEFAULT '[]';
