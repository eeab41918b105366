-- Daily KPI snapshots as partners may see them (issue 12 item 7): the
-- figures with messages and activity counted only in channels every partner
-- reads, so shared program figures never carry a hidden channel's traffic.
-- NULL for snapshots taken before: those stay staff-only.
ALTER TABLE kpi_snapshots ADD COLUMN shared_kpis JSONB;
