-- Desk titles go into the trigram index 64 tickets at a time instead of
-- by a trigger per ticket: FTS5 writes a segment for every transaction
-- that touches it (and for every later statement of the transaction that
-- opens a statement journal), then merges them, which cost 6-30 % of the
-- tickets per second at 1,000-2,000 offered (BENCHMARKS.md, "Processing
-- core, session 18"). tb_desk_titles_mark holds the highest ticket number
-- indexed (numbers are never reused: AUTOINCREMENT); the title search
-- reads the tickets above it directly, and the store indexes them once 64
-- wait, at the end of a transaction that made one (titles.go).
DROP TRIGGER tb_desk_titles_insert;
CREATE TABLE tb_desk_titles_mark (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	through INTEGER NOT NULL
);
INSERT INTO tb_desk_titles_mark (id, through) SELECT 1, COALESCE(max(num), 0) FROM tb_desk_tickets;
-- A title change or a delete touches the index only for a ticket it holds:
-- a contentless index's delete must name exactly what was indexed.
DROP TRIGGER tb_desk_titles_delete;
CREATE TRIGGER tb_desk_titles_delete AFTER DELETE ON tb_desk_tickets
WHEN old.num <= (SELECT through FROM tb_desk_titles_mark) BEGIN
	INSERT INTO tb_desk_titles (tb_desk_titles, rowid, words) VALUES ('delete', old.num, old.title);
END;
DROP TRIGGER tb_desk_titles_update;
CREATE TRIGGER tb_desk_titles_update AFTER UPDATE OF title ON tb_desk_tickets
WHEN old.num <= (SELECT through FROM tb_desk_titles_mark) BEGIN
	INSERT INTO tb_desk_titles (tb_desk_titles, rowid, words) VALUES ('delete', old.num, old.title);
	INSERT INTO tb_desk_titles (rowid, words) VALUES (new.num, new.title);
END;
