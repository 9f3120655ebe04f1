-- Signed checkpoints the region verified (its own and its peers'). Every (signer, position, root) is kept as
-- evidence: two roots for one position prove the signer showed regions different histories. The newest checkpoint
-- per signer is kept with its chain heads, which gate relayed events.

CREATE TABLE concord_checkpoints (
    signer text COLLATE "C" NOT NULL,
    feed_position bigint NOT NULL,
    root bytea NOT NULL,
    body bytea NOT NULL,                  -- the checkpoint without its heads (Orleans serializer)
    PRIMARY KEY (signer, feed_position, root)
);

CREATE TABLE concord_checkpoint_heads (
    signer text COLLATE "C" PRIMARY KEY,
    feed_position bigint NOT NULL,
    body bytea NOT NULL                   -- the newest checkpoint with its heads (Orleans serializer)
);
