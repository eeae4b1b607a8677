-- A reopened ticket's resolution clock runs again (issue #14): a status
-- change records whether the ticket went into a resolved or closed
-- status, so the clock sees both its resolutions and its reopenings, in
-- the order of their own time.
ALTER TABLE tb_sla_status ADD COLUMN resolved boolean NOT NULL DEFAULT false;
