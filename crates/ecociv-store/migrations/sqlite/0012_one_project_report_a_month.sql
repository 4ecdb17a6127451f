-- A project is reported once a month, whichever of its implementers sends the report (a task is
-- reported by each org unit that shares it, so its key keeps the org unit). The table's own key
-- includes the org unit: two implementers sending the same month at the same moment both got
-- through. A database that already holds such a pair stops here, naming this index; keep the
-- report the task force approved (or the earlier one) and delete the other, then migrate again.
CREATE UNIQUE INDEX dispatch_reports_one_project_month ON dispatch_reports (zone_code, subject, period) WHERE kind = 'project';
