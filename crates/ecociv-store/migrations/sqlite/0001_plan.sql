-- The plan of each zone, as loaded from its reviewed data files. Every row carries its zone.
-- Decimals are stored as canonical TEXT (aggregation happens in Rust, never in SQL).

CREATE TABLE zones (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT
);

CREATE TABLE plans (
    zone_code TEXT PRIMARY KEY REFERENCES zones(code),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL,
    document_number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    base_year INTEGER NOT NULL,
    review_date TEXT NOT NULL,
    framework_code TEXT NOT NULL,
    framework_name TEXT NOT NULL,
    framework_document TEXT NOT NULL,
    content_hash TEXT NOT NULL
);

CREATE TABLE categories (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    domain TEXT NOT NULL,
    PRIMARY KEY (zone_code, number)
);

CREATE TABLE org_units (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, name)
);

CREATE TABLE org_unit_aliases (
    zone_code TEXT NOT NULL,
    alias TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, alias),
    FOREIGN KEY (zone_code, org_unit) REFERENCES org_units(zone_code, name)
);

-- indicators and sub-indicators (parent_code set) in one table
CREATE TABLE indicators (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    code TEXT NOT NULL,
    parent_code TEXT,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_printed TEXT NOT NULL,
    domain TEXT NOT NULL,
    category INTEGER NOT NULL,
    unit TEXT NOT NULL,
    attribute TEXT NOT NULL,
    target_printed TEXT NOT NULL,
    target_rule TEXT NOT NULL,
    target_deadline INTEGER NOT NULL,
    direction TEXT,
    PRIMARY KEY (zone_code, code),
    FOREIGN KEY (zone_code, category) REFERENCES categories(zone_code, number)
);

CREATE TABLE indicator_org_units (
    zone_code TEXT NOT NULL,
    indicator_code TEXT NOT NULL,
    role TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, indicator_code, role, org_unit),
    FOREIGN KEY (zone_code, indicator_code) REFERENCES indicators(zone_code, code),
    FOREIGN KEY (zone_code, org_unit) REFERENCES org_units(zone_code, name)
);

CREATE TABLE tasks (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    number INTEGER NOT NULL,
    section INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    responsibility_printed TEXT NOT NULL,
    PRIMARY KEY (zone_code, number)
);

CREATE TABLE task_org_units (
    zone_code TEXT NOT NULL,
    task_number INTEGER NOT NULL,
    role TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, task_number, role, org_unit),
    FOREIGN KEY (zone_code, task_number) REFERENCES tasks(zone_code, number),
    FOREIGN KEY (zone_code, org_unit) REFERENCES org_units(zone_code, name)
);

CREATE TABLE task_indicators (
    zone_code TEXT NOT NULL,
    task_number INTEGER NOT NULL,
    indicator_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, task_number, indicator_code),
    FOREIGN KEY (zone_code, task_number) REFERENCES tasks(zone_code, number),
    FOREIGN KEY (zone_code, indicator_code) REFERENCES indicators(zone_code, code)
);

CREATE TABLE task_quantities (
    zone_code TEXT NOT NULL,
    task_number INTEGER NOT NULL,
    position INTEGER NOT NULL,
    what TEXT NOT NULL,
    amount TEXT NOT NULL,
    unit TEXT NOT NULL,
    deadline INTEGER,
    comparison TEXT NOT NULL,
    printed TEXT NOT NULL,
    PRIMARY KEY (zone_code, task_number, position),
    FOREIGN KEY (zone_code, task_number) REFERENCES tasks(zone_code, number)
);

CREATE TABLE projects (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    number INTEGER NOT NULL,
    domain TEXT NOT NULL,
    name TEXT NOT NULL,
    assessed_indicators_printed TEXT NOT NULL,
    scope TEXT NOT NULL,
    period_printed TEXT NOT NULL,
    period_start INTEGER,
    period_end INTEGER,
    period_ongoing BOOLEAN NOT NULL,
    budget_printed TEXT,
    budget_unit TEXT,
    budget_yi TEXT,
    budget_doubtful BOOLEAN,
    implementers_printed TEXT NOT NULL,
    PRIMARY KEY (zone_code, number)
);

CREATE TABLE project_org_units (
    zone_code TEXT NOT NULL,
    project_number INTEGER NOT NULL,
    org_unit TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, project_number, org_unit),
    FOREIGN KEY (zone_code, project_number) REFERENCES projects(zone_code, number),
    FOREIGN KEY (zone_code, org_unit) REFERENCES org_units(zone_code, name)
);

CREATE TABLE project_indicators (
    zone_code TEXT NOT NULL,
    project_number INTEGER NOT NULL,
    indicator_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (zone_code, project_number, indicator_code),
    FOREIGN KEY (zone_code, project_number) REFERENCES projects(zone_code, number),
    FOREIGN KEY (zone_code, indicator_code) REFERENCES indicators(zone_code, code)
);

CREATE TABLE phases (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    PRIMARY KEY (zone_code, number)
);

CREATE TABLE milestones (
    zone_code TEXT NOT NULL,
    phase_number INTEGER NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_en TEXT NOT NULL,
    due TEXT NOT NULL,
    PRIMARY KEY (zone_code, phase_number, position),
    FOREIGN KEY (zone_code, phase_number) REFERENCES phases(zone_code, number)
);

CREATE TABLE findings (
    zone_code TEXT NOT NULL REFERENCES zones(code),
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    place_table TEXT NOT NULL,
    place_row TEXT NOT NULL,
    place_field TEXT NOT NULL,
    printed TEXT NOT NULL,
    suggested TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (zone_code, position)
);

-- every write, attributed
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_code TEXT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
