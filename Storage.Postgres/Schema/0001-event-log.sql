-- Concord's event log: the region's truth. Append-only; written only by PostgresEventLogStore.
-- Entity keys and region ids are ASCII, so the "C" collation orders them ordinally, as the store's contract says.

CREATE TABLE concord_entities (
    entity_id text COLLATE "C" PRIMARY KEY,
    head bigint NOT NULL,                 -- position of the entity's last event in this region
    bucket integer NOT NULL,              -- anti-entropy digest bucket of the entity id
    digest0 bigint NOT NULL,              -- the entity's version-vector digest, as four 64-bit words,
    digest1 bigint NOT NULL,              -- so that a bucket's digest is bit_xor over its entities
    digest2 bigint NOT NULL,
    digest3 bigint NOT NULL
);
CREATE INDEX concord_entities_by_bucket ON concord_entities (bucket);

CREATE TABLE concord_entity_origins (
    entity_id text COLLATE "C" NOT NULL,
    origin text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,                  -- highest seq of this origin's chain held for the entity
    hash bytea NOT NULL,                  -- that event's hash: the head the next event must link to
    PRIMARY KEY (entity_id, origin)
);

CREATE TABLE concord_events (
    entity_id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,             -- dense per entity, in this region's append order
    origin text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,                  -- dense per (entity, origin)
    request_id text NOT NULL,
    feed_position bigint NOT NULL,        -- dense per origin across the region: what replicators tail
    body bytea NOT NULL,                  -- canonical encoding (EventCodec v1), ending with the stored hash
    PRIMARY KEY (entity_id, position),
    UNIQUE (entity_id, origin, seq),
    UNIQUE (origin, feed_position)
);
CREATE INDEX concord_events_by_request ON concord_events (entity_id, request_id);

CREATE TABLE concord_feeds (
    origin text COLLATE "C" PRIMARY KEY,
    head bigint NOT NULL                  -- last feed position handed out; its row lock orders an origin's appends
);
