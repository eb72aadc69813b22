-- A write made under an Idempotency-Key keeps the key in its own transaction, with what it did (the JSON of the
-- store's outcome), so the write and its key commit together: a retry after a crash between the commit and the
-- answer finds the key and is answered from the outcome instead of writing again. Such a row has status 0 and an
-- empty response; rows of requests that wrote nothing (refusals) keep their answer as before and no outcome.
ALTER TABLE api_idempotency_keys ADD COLUMN outcome TEXT;
