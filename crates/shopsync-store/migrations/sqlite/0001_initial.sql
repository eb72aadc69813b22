-- shopsync's first schema, designed for the whole mission: shops and their settings, sync cursors, the back
-- office (catalog, prices, stock, customers, sales orders, shipments), links between back-office records and
-- Shopify objects, order import status and errors, captured Shopify data, the request log and jobs.
--
-- Conventions: timestamps are UTC text with six fractional digits (text order = time order); money is decimal
-- text (never a float); Shopify objects are named by their global id (gid://shopify/Order/1); JSON columns hold
-- lists and documents that are read whole. Secrets are stored sealed (encrypted) only.

-- One row per connected Shopify store.
CREATE TABLE shops (
    id                      INTEGER PRIMARY KEY,
    domain                  TEXT NOT NULL UNIQUE,          -- NAME.myshopify.com
    api_version             TEXT NOT NULL,                 -- e.g. 2026-10
    endpoint                TEXT,                          -- development override (the local simulator); NULL for Shopify
    access_token            TEXT,                          -- sealed, see shopsync_core::secret
    client_secret           TEXT,                          -- sealed app client secret (webhook and OAuth HMAC key)
    previous_client_secret  TEXT,                          -- sealed; still accepted while a secret rotates
    access_status           TEXT NOT NULL DEFAULT 'unknown' CHECK (access_status IN ('unknown', 'ok', 'needs_access')),
    access_error            TEXT,                          -- why the shop needs access again
    scopes                  TEXT,                          -- access scopes granted, comma separated
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;

-- Shop settings as text pairs; shopsync_core::settings knows their types and defaults.
CREATE TABLE shop_settings (
    shop_id     INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (shop_id, key)
) STRICT;

-- Where each inbound flow stopped: the Shopify updated_at and id of the last record fully processed.
CREATE TABLE sync_cursors (
    shop_id             INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    object              TEXT NOT NULL,                     -- orders, customers, products ...
    updated_at          TEXT,                              -- Shopify updated_at, as Shopify wrote it
    last_id             TEXT,                              -- gid of the last record at that updated_at
    bulk_operation_id   TEXT,                              -- a bulk query this flow started and has not read yet
    last_run_at         TEXT,
    last_success_at     TEXT,
    PRIMARY KEY (shop_id, object)
) STRICT;

---------------------------------------------------------------------------------------------------------------
-- Back office: catalog
---------------------------------------------------------------------------------------------------------------

CREATE TABLE items (
    id                  INTEGER PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draft', 'archived')),
    item_group          TEXT,
    vendor              TEXT,
    product_type        TEXT,
    inventory_tracked   INTEGER NOT NULL DEFAULT 1,
    weight              TEXT,                              -- decimal text
    weight_unit         TEXT CHECK (weight_unit IN ('GRAMS', 'KILOGRAMS', 'OUNCES', 'POUNDS')),
    option1_name        TEXT,
    option2_name        TEXT,
    option3_name        TEXT,
    images              TEXT NOT NULL DEFAULT '[]',        -- JSON array of image URLs
    tags                TEXT NOT NULL DEFAULT '[]',        -- JSON array
    marked_for_sync     INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX items_group ON items(item_group);

CREATE TABLE item_variants (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    sku         TEXT NOT NULL UNIQUE,
    barcode     TEXT,
    option1     TEXT,
    option2     TEXT,
    option3     TEXT,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (item_id, code)
) STRICT;

CREATE TABLE price_lists (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE prices (
    price_list_id       INTEGER NOT NULL REFERENCES price_lists(id) ON DELETE CASCADE,
    sku                 TEXT NOT NULL,
    price               TEXT NOT NULL,
    compare_at_price    TEXT,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (price_list_id, sku)
) STRICT;

CREATE TABLE warehouses (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE stock (
    warehouse_id    INTEGER NOT NULL REFERENCES warehouses(id) ON DELETE CASCADE,
    sku             TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (warehouse_id, sku)
) STRICT;

-- A sellable SKU made of components; order import expands it.
CREATE TABLE bundle_components (
    bundle_sku      TEXT NOT NULL,
    component_sku   TEXT NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (bundle_sku, component_sku)
) STRICT;

---------------------------------------------------------------------------------------------------------------
-- Back office: customers, sales orders, shipments
---------------------------------------------------------------------------------------------------------------

-- Defaults for the back office's required customer fields (posting groups, payment terms ...).
CREATE TABLE customer_templates (
    code        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '{}',                -- JSON object field -> value
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
    id                  INTEGER PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    email               TEXT,
    email_normalized    TEXT,                              -- trimmed, lower case: the matching key
    phone               TEXT,
    phone_normalized    TEXT,                              -- digits with leading +: the second matching key
    addresses           TEXT NOT NULL DEFAULT '[]',        -- JSON array
    fields              TEXT NOT NULL DEFAULT '{}',        -- back-office fields, filled from the template
    template_code       TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX customers_email ON customers(email_normalized);
CREATE INDEX customers_phone ON customers(phone_normalized);

-- Number series for back-office documents (SO-000001, C-000001 ...).
CREATE TABLE number_series (
    code        TEXT PRIMARY KEY,
    prefix      TEXT NOT NULL,
    next_value  INTEGER NOT NULL DEFAULT 1,
    width       INTEGER NOT NULL DEFAULT 6
) STRICT;
INSERT INTO number_series (code, prefix) VALUES ('sales_order', 'SO-'), ('customer', 'C-'), ('shipment', 'SH-'), ('item', 'I-');

CREATE TABLE sales_orders (
    id                  INTEGER PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    shop_id             INTEGER REFERENCES shops(id) ON DELETE SET NULL,
    shopify_order_id    TEXT,                              -- gid; with shop_id unique: one sales order per Shopify order, ever
    shopify_order_name  TEXT,                              -- #1001
    customer_id         INTEGER REFERENCES customers(id),
    currency            TEXT NOT NULL,
    subtotal            TEXT NOT NULL DEFAULT '0',
    discount_total      TEXT NOT NULL DEFAULT '0',
    tax_total           TEXT NOT NULL DEFAULT '0',
    shipping_total      TEXT NOT NULL DEFAULT '0',
    total               TEXT NOT NULL DEFAULT '0',
    payment_status      TEXT,                              -- Shopify's financial status
    payment_terms       TEXT,
    ship_to             TEXT,                              -- JSON address
    bill_to             TEXT,                              -- JSON address
    email               TEXT,
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'partially_shipped', 'shipped', 'cancelled')),
    conflict            TEXT,                              -- set when Shopify changed an order that has shipped: a person decides
    shopify_updated_at  TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (shop_id, shopify_order_id)
) STRICT;

CREATE TABLE sales_order_lines (
    id                      INTEGER PRIMARY KEY,
    sales_order_id          INTEGER NOT NULL REFERENCES sales_orders(id) ON DELETE CASCADE,
    line_no                 INTEGER NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('item', 'bundle', 'bundle_component', 'shipping', 'fee')),
    sku                     TEXT,
    description             TEXT NOT NULL,
    quantity                INTEGER NOT NULL,
    unit_price              TEXT NOT NULL,
    discount                TEXT NOT NULL DEFAULT '0',
    tax                     TEXT NOT NULL DEFAULT '0',
    shopify_line_item_id    TEXT,
    parent_line_no          INTEGER,                       -- a bundle component points at its bundle line
    quantity_shipped        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sales_order_id, line_no)
) STRICT;

CREATE TABLE shipments (
    id                      INTEGER PRIMARY KEY,
    number                  TEXT NOT NULL UNIQUE,
    sales_order_id          INTEGER NOT NULL REFERENCES sales_orders(id) ON DELETE CASCADE,
    tracking_number         TEXT,
    carrier                 TEXT,
    tracking_url            TEXT,
    shipped_at              TEXT NOT NULL,
    sync_status             TEXT NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('pending', 'synced', 'error', 'skipped')),
    sync_error              TEXT,
    shopify_fulfillment_ids TEXT NOT NULL DEFAULT '[]',    -- JSON array of gids, written once Shopify accepted them
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;

CREATE TABLE shipment_lines (
    shipment_id             INTEGER NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    sales_order_line_id     INTEGER NOT NULL REFERENCES sales_order_lines(id) ON DELETE CASCADE,
    quantity                INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, sales_order_line_id)
) STRICT;

---------------------------------------------------------------------------------------------------------------
-- Links between back-office records and Shopify objects
---------------------------------------------------------------------------------------------------------------

CREATE TABLE product_links (
    shop_id             INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    item_id             INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    shopify_product_id  TEXT NOT NULL,
    last_hash           TEXT,                              -- content hash of the last payload Shopify accepted
    synced_at           TEXT,
    PRIMARY KEY (shop_id, item_id),
    UNIQUE (shop_id, shopify_product_id)
) STRICT;

CREATE TABLE variant_links (
    shop_id                     INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    variant_id                  INTEGER NOT NULL REFERENCES item_variants(id) ON DELETE CASCADE,
    shopify_variant_id          TEXT NOT NULL,
    shopify_product_id          TEXT NOT NULL,
    shopify_inventory_item_id   TEXT,
    last_price                  TEXT,                      -- the price last sent, for "price only when changed"
    last_compare_at_price       TEXT,
    linked_at                   TEXT NOT NULL,
    PRIMARY KEY (shop_id, variant_id),
    UNIQUE (shop_id, shopify_variant_id)
) STRICT;

-- The quantity last accepted by Shopify per SKU and location, so unchanged stock costs no call.
CREATE TABLE inventory_sync_state (
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    sku             TEXT NOT NULL,
    location_id     TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    synced_at       TEXT NOT NULL,
    PRIMARY KEY (shop_id, sku, location_id)
) STRICT;

CREATE TABLE customer_links (
    shop_id                 INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    shopify_customer_id     TEXT NOT NULL,
    customer_id             INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    matched_by              TEXT NOT NULL CHECK (matched_by IN ('email', 'phone', 'created', 'manual')),
    shopify_updated_at      TEXT,
    linked_at               TEXT NOT NULL,
    PRIMARY KEY (shop_id, shopify_customer_id)
) STRICT;

-- Records an outbound flow skipped, with Shopify's reason (userErrors), until they sync.
CREATE TABLE sync_errors (
    id          INTEGER PRIMARY KEY,
    shop_id     INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    object      TEXT NOT NULL,                             -- item, variant, inventory, shipment ...
    object_key  TEXT NOT NULL,                             -- item number, SKU, shipment number
    field       TEXT,
    code        TEXT,
    message     TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sync_errors_object ON sync_errors(shop_id, object, object_key);

---------------------------------------------------------------------------------------------------------------
-- Shopify orders as seen by the import, and what they became
---------------------------------------------------------------------------------------------------------------

CREATE TABLE shopify_orders (
    shop_id                 INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    order_id                TEXT NOT NULL,                 -- gid
    name                    TEXT NOT NULL,                 -- #1001
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'synced', 'error', 'ignored', 'conflict')),
    sales_order_id          INTEGER REFERENCES sales_orders(id) ON DELETE SET NULL,
    financial_status        TEXT,
    fulfillment_status      TEXT,
    cancelled_at            TEXT,
    tags                    TEXT NOT NULL DEFAULT '[]',
    shopify_created_at      TEXT NOT NULL,
    shopify_updated_at      TEXT NOT NULL,
    reprocess_requested     INTEGER NOT NULL DEFAULT 0,
    checked_at              TEXT NOT NULL,                 -- last evaluation
    PRIMARY KEY (shop_id, order_id)
) STRICT;
CREATE INDEX shopify_orders_status ON shopify_orders(shop_id, status);

-- Every problem found at an order's last evaluation (all of them, not only the first).
CREATE TABLE order_errors (
    shop_id     INTEGER NOT NULL,
    order_id    TEXT NOT NULL,
    code        TEXT NOT NULL,                             -- PRODUCT_NOT_LINKED ...
    message     TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',                -- JSON: the SKU, line, country ... the remedy needs
    created_at  TEXT NOT NULL,
    FOREIGN KEY (shop_id, order_id) REFERENCES shopify_orders(shop_id, order_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX order_errors_order ON order_errors(shop_id, order_id);
CREATE INDEX order_errors_code ON order_errors(shop_id, code);

CREATE TABLE order_transactions (
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    transaction_id  TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    sales_order_id  INTEGER REFERENCES sales_orders(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    gateway         TEXT,
    amount          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    processed_at    TEXT,
    PRIMARY KEY (shop_id, transaction_id)
) STRICT;

CREATE TABLE order_refunds (
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    refund_id       TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    sales_order_id  INTEGER REFERENCES sales_orders(id) ON DELETE SET NULL,
    total           TEXT NOT NULL,
    currency        TEXT NOT NULL,
    note            TEXT,
    lines           TEXT NOT NULL DEFAULT '[]',            -- JSON: line item, quantity, restock
    created_at      TEXT NOT NULL,
    PRIMARY KEY (shop_id, refund_id)
) STRICT;

CREATE TABLE order_returns (
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    return_id       TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    sales_order_id  INTEGER REFERENCES sales_orders(id) ON DELETE SET NULL,
    name            TEXT,
    status          TEXT NOT NULL,
    lines           TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (shop_id, return_id)
) STRICT;

CREATE TABLE payouts (
    shop_id     INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    payout_id   TEXT NOT NULL,
    status      TEXT NOT NULL,
    issued_at   TEXT,
    net         TEXT NOT NULL,
    currency    TEXT NOT NULL,
    PRIMARY KEY (shop_id, payout_id)
) STRICT;

---------------------------------------------------------------------------------------------------------------
-- Operations: captured Shopify data, request log, webhooks, jobs
---------------------------------------------------------------------------------------------------------------

-- The raw Shopify data of every imported object, kept whatever the logging setting, as a version history:
-- a row is added only when the content changed.
CREATE TABLE data_capture (
    id              INTEGER PRIMARY KEY,
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    object_type     TEXT NOT NULL,                         -- order, order_line, fulfillment, refund ...
    object_id       TEXT NOT NULL,                         -- gid
    content_hash    TEXT NOT NULL,                         -- sha256 of the payload text
    payload         TEXT NOT NULL,                         -- JSON as Shopify sent it
    captured_at     TEXT NOT NULL
) STRICT;
CREATE INDEX data_capture_object ON data_capture(shop_id, object_type, object_id, id);

CREATE TABLE request_log (
    id              INTEGER PRIMARY KEY,
    shop_id         INTEGER REFERENCES shops(id) ON DELETE CASCADE,
    started_at      TEXT NOT NULL,
    method          TEXT NOT NULL,
    url             TEXT NOT NULL,
    operation       TEXT,                                  -- GraphQL operation name
    request_body    TEXT,                                  -- secrets redacted
    status          INTEGER,                               -- HTTP status, NULL when no answer came
    request_id      TEXT,                                  -- Shopify's X-Request-Id
    requested_cost  REAL,
    actual_cost     REAL,
    duration_ms     INTEGER NOT NULL,
    attempt         INTEGER NOT NULL DEFAULT 1,
    failed          INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    response_body   TEXT
) STRICT;
CREATE INDEX request_log_shop ON request_log(shop_id, started_at);

-- Webhook deliveries seen, so a duplicate delivery of the same event is ignored.
CREATE TABLE webhook_events (
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    topic           TEXT NOT NULL,
    webhook_id      TEXT,
    triggered_at    TEXT,
    received_at     TEXT NOT NULL,
    processed_at    TEXT,
    PRIMARY KEY (shop_id, event_id)
) STRICT;

CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,                         -- products, inventory, customers, orders, fulfillments, reprocess
    trigger         TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'webhook', 'reprocess')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    queued_at       TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    heartbeat_at    TEXT,
    summary         TEXT NOT NULL DEFAULT '{}',            -- JSON counts: synced, skipped, errors ...
    error           TEXT
) STRICT;
CREATE INDEX jobs_shop_kind ON jobs(shop_id, kind, id);
