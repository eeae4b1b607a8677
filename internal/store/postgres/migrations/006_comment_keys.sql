-- The key of the effect that wrote a comment (an append of chat events),
-- so that a retry after an unknown outcome finds it instead of writing
-- the comment again.
ALTER TABLE tb_desk_comments ADD COLUMN effect_key TEXT NOT NULL DEFAULT '';
