-- The local desk's own satisfaction field (issue #14): a CSAT answer is
-- written on the ticket (score 1-5, 0 while unanswered, and comment)
-- instead of an internal note.
ALTER TABLE tb_desk_tickets ADD COLUMN csat_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tb_desk_tickets ADD COLUMN csat_comment TEXT NOT NULL DEFAULT '';
