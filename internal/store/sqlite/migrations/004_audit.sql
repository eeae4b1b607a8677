-- The audit log is append-only: the triggers refuse changes and deletions.
CREATE TABLE tb_audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	at     INTEGER NOT NULL,
	actor  TEXT    NOT NULL,
	action TEXT    NOT NULL,
	target TEXT    NOT NULL DEFAULT '',
	detail TEXT
);
CREATE INDEX tb_audit_at ON tb_audit (at);

CREATE TRIGGER tb_audit_no_update BEFORE UPDATE ON tb_audit
BEGIN
	SELECT RAISE(ABORT, 'tb_audit is append-only');
END;

CREATE TRIGGER tb_audit_no_delete BEFORE DELETE ON tb_audit
BEGIN
	SELECT RAISE(ABORT, 'tb_audit is append-only');
END;
