-- Desk title search: a trigram index, so that "title contains" stays fast
-- at 100,000 tickets (a LIKE '%…%' scans them all). Contentless: it holds
-- only the trigrams, the titles stay in tb_desk_tickets; triggers keep it
-- in step with every insert, title change and delete.
CREATE VIRTUAL TABLE tb_desk_titles USING fts5(words, content='', tokenize='trigram');
INSERT INTO tb_desk_titles (rowid, words) SELECT num, title FROM tb_desk_tickets;
CREATE TRIGGER tb_desk_titles_insert AFTER INSERT ON tb_desk_tickets BEGIN
	INSERT INTO tb_desk_titles (rowid, words) VALUES (new.num, new.title);
END;
CREATE TRIGGER tb_desk_titles_delete AFTER DELETE ON tb_desk_tickets BEGIN
	INSERT INTO tb_desk_titles (tb_desk_titles, rowid, words) VALUES ('delete', old.num, old.title);
END;
CREATE TRIGGER tb_desk_titles_update AFTER UPDATE OF title ON tb_desk_tickets BEGIN
	INSERT INTO tb_desk_titles (tb_desk_titles, rowid, words) VALUES ('delete', old.num, old.title);
	INSERT INTO tb_desk_titles (rowid, words) VALUES (new.num, new.title);
END;
