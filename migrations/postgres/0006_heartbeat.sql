-- One row the store rewrites to prove it can write again after a storage
-- fault (its numbering follows SQLite's migrations).
CREATE TABLE store_heartbeat (
    id      integer PRIMARY KEY CHECK (id = 1),
    beat_at timestamptz NOT NULL
);
