-- Which process runs a job: a job whose process died (killed, crashed, machine restarted) can then be told apart
-- from one still running, at once rather than after its heartbeat goes stale, and two runs of the same flow for the
-- same shop never overlap.
ALTER TABLE jobs ADD COLUMN host TEXT;
ALTER TABLE jobs ADD COLUMN pid INTEGER;
CREATE INDEX jobs_running ON jobs(shop_id, kind) WHERE status = 'running';
