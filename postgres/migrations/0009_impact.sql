-- Schema version 9: an index of each word's weight in each memory, so that
-- a keyword search of common words reads the few memories where they weigh
-- most instead of every memory holding them (keyword.go, impactSearch).
--
-- memory_impact(fts, fts_len) holds one token per word of a memory: the
-- word, the class of its number of occurrences f (1, 2, 3, 4, 5-7, 8-15,
-- 16 or more, or unknown: a vector without positions) and the class of the
-- memory's length D in words (the number of memory_impact_lengths() at or
-- below D). A word's BM25 weight, f/(f + k1·(1 − b + b·D/avgdl)), grows
-- with f and shrinks with D, so each class pair bounds it from above for
-- any avgdl: a search asks the GIN index for the classes whose bound
-- reaches its threshold. Words never contain '~' (memory_fts_text turns
-- ASCII punctuation into spaces). Its high cost keeps the planner from
-- computing it row by row instead of reading the index.
CREATE FUNCTION memory_impact_lengths() RETURNS int[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN '{2,3,4,5,6,7,8,10,12,14,16,19,22,26,30,35,40,48,56,64,76,90,108,128,152,180,216,256,304,362,430,512,724,1024,1448,2048,4096,8192,16384}'::int[];

CREATE FUNCTION memory_impact(v tsvector, len int) RETURNS tsvector
	LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 10000
	RETURN array_to_tsvector(ARRAY(
		SELECT u.lexeme || '~' || CASE
				WHEN u.positions IS NULL OR cardinality(u.positions) = 0 THEN 7
				WHEN cardinality(u.positions) <= 4 THEN cardinality(u.positions)
				WHEN cardinality(u.positions) <= 7 THEN 5
				WHEN cardinality(u.positions) <= 15 THEN 6
				ELSE 7 END
			|| '~' || (SELECT count(*) FROM unnest(memory_impact_lengths()) AS t WHERE t <= len)
		FROM unnest(v) AS u));

CREATE INDEX memories_impact ON memories USING gin (memory_impact(fts, fts_len)) WHERE deleted_at IS NULL;
