-- The month's investment of a project by source (plan 六(四)): 财政资金|金融资金|社会资金 in 万元,
-- or empty when the report does not split it.
ALTER TABLE dispatch_reports ADD COLUMN funding TEXT NOT NULL DEFAULT '';
