-- Desk title search: a trigram index (pg_trgm), so that "title contains"
-- (ILIKE '%…%') stays fast at 100,000 tickets. pg_trgm ships with
-- PostgreSQL and is a trusted extension; where it cannot be installed the
-- search still works, without the index (a notice says so).
DO $$
DECLARE
	ext_schema text;
BEGIN
	BEGIN
		CREATE EXTENSION IF NOT EXISTS pg_trgm;
	EXCEPTION
		WHEN unique_violation OR duplicate_object THEN NULL; -- installed at the same moment by another schema's migration
		WHEN insufficient_privilege THEN RAISE NOTICE 'pg_trgm not installed (no privilege): desk title search runs without an index';
	END;
	SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
	IF ext_schema IS NOT NULL THEN
		EXECUTE format('CREATE INDEX tb_desk_tickets_title_trgm ON tb_desk_tickets USING gin (title %I.gin_trgm_ops)', ext_schema);
	END IF;
END
$$;
