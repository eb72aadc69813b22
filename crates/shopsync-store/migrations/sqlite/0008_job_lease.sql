-- When the process that runs a job started (its boot and start time on that machine): a pid reused by another
-- process after the job's process ended does not keep the job alive, so the next run can take it over.
ALTER TABLE jobs ADD COLUMN process_start TEXT;
