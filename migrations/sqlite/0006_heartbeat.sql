-- One row the store rewrites to prove it can write again after a storage
-- fault. Each beat also fills `room` and empties it in the same
-- transaction, so a beat needs free pages, as new events do.
CREATE TABLE store_heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    beat_at TEXT NOT NULL,
    room BLOB
);
