-- The durable job queue: requests to run a flow of a shop (from the console's Sync now, `shopsync queue add`, and
-- later webhooks and schedules), taken by serve's workers. A request is queued until a worker claims it for a
-- lease (renewed while it runs); a worker that dies lets its lease lapse and another takes the request again,
-- the flow resuming from its last checkpoint. At most one queued request per shop and flow: asking again while
-- one waits returns it (ten clicks make one run).
CREATE TABLE job_requests (
    id              INTEGER PRIMARY KEY,
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    flow            TEXT NOT NULL,                         -- products, inventory, customers, orders, fulfillments
    trigger         TEXT NOT NULL,                         -- manual, schedule, webhook
    status          TEXT NOT NULL CHECK (status IN ('queued', 'claimed', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    run_after       TEXT NOT NULL,                         -- not claimed before (backoff after a failure)
    claimed_by      TEXT,                                  -- worker name: host, pid and number
    claimed_until   TEXT,                                  -- the lease; renewed while the run goes on
    job_id          INTEGER REFERENCES jobs(id) ON DELETE SET NULL, -- the run that did it
    error           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX job_requests_one_queued ON job_requests(shop_id, flow) WHERE status = 'queued';
CREATE INDEX job_requests_due ON job_requests(status, run_after);
