-- Reconciliation runs (`shopsync reconcile`): what Shopify held against the back office at one moment, and each
-- difference found, kept so `reconcile --last` and the console show the last run without asking Shopify again.
CREATE TABLE reconcile_runs (
    id           INTEGER PRIMARY KEY,
    shop_id      INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    -- `report` (differences only) or `fix` (the back office's values sent where it is the source).
    mode         TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    requests     INTEGER NOT NULL,
    points       INTEGER NOT NULL
) STRICT;
CREATE INDEX reconcile_runs_shop ON reconcile_runs (shop_id, id);

CREATE TABLE reconcile_differences (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES reconcile_runs(id) ON DELETE CASCADE,
    -- missing-in-shopify, missing-in-back-office, price-differs, quantity-differs, link-broken.
    kind          TEXT NOT NULL,
    -- The SKU (with `@LOCATION` for a quantity), the item number, or the Shopify product's title.
    object_key    TEXT NOT NULL,
    shopify_id    TEXT,
    back_office   TEXT,
    shopify       TEXT,
    -- `open`, `fixed`, or `not-fixed` (a fix was tried and Shopify still differs).
    status        TEXT NOT NULL
) STRICT;
CREATE INDEX reconcile_differences_run ON reconcile_differences (run_id, id);
