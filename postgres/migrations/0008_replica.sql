-- Schema version 8: the store as a replica of hybrid sync (memory.Replica).
-- revision is the time of a memory's last change in unix milliseconds,
-- strictly increasing per memory, which orders its versions across
-- machines. Memories written before this version have 0, and read as
-- their update time (memory_revision): stamping a million rows here would
-- rewrite the table and every index. seq is the change number of the transaction that last changed the
-- memory (access statistics aside): Changes lists memories by (seq, id).
-- Every changing transaction takes the next number from the single row of
-- memory_change_counter, whose lock it holds until it commits, so that
-- numbers become visible in order and a reader's cursor never passes a
-- change still to be committed.
ALTER TABLE memories
	ADD COLUMN revision bigint NOT NULL DEFAULT 0,
	ADD COLUMN seq      bigint NOT NULL DEFAULT 0;
CREATE INDEX memories_changes ON memories (seq, id);

CREATE FUNCTION memory_revision(revision bigint, updated_at timestamptz) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN revision > 0 THEN revision
		ELSE greatest(1, (extract(epoch FROM updated_at) * 1000)::bigint) END;

CREATE TABLE memory_change_counter (
	id  int    PRIMARY KEY CHECK (id = 1),
	seq bigint NOT NULL
);
INSERT INTO memory_change_counter (id, seq) VALUES (1, 0);
