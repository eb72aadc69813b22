-- Facts about the whole installation rather than one shop. The first is the master key's check value: a known text
-- sealed with the key, so a wrong key is refused before a token is sealed with it (a token sealed under a wrong key
-- could never be opened with the right one). Its presence also says every access token is sealed bound to its
-- shop's endpoint.
CREATE TABLE installation (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
