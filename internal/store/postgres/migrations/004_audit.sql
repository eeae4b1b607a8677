-- The audit log is append-only: the triggers refuse changes, deletions
-- and truncation, whoever asks.
CREATE TABLE tb_audit (
	id     bigserial PRIMARY KEY,
	at     timestamptz NOT NULL,
	actor  text NOT NULL,
	action text NOT NULL,
	target text NOT NULL DEFAULT '',
	detail jsonb
);
CREATE INDEX tb_audit_at ON tb_audit (at);

CREATE FUNCTION tb_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'tb_audit is append-only';
END;
$$;

CREATE TRIGGER tb_audit_no_change BEFORE UPDATE OR DELETE ON tb_audit
	FOR EACH ROW EXECUTE FUNCTION tb_audit_refuse();
CREATE TRIGGER tb_audit_no_truncate BEFORE TRUNCATE ON tb_audit
	FOR EACH STATEMENT EXECUTE FUNCTION tb_audit_refuse();
