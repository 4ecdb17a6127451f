-- Findings carry their note in both languages: `note` (zh-CN) and `note_en`.
ALTER TABLE findings ADD COLUMN note_en TEXT NOT NULL DEFAULT '';
