-- Indicators whose target applies only up to a rate (22: 综合利用率≤60%的地区).
ALTER TABLE indicators ADD COLUMN applies_while_rate_at_most TEXT;
