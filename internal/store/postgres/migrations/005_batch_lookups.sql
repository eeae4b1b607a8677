-- Processing looks up the pending proposals of a whole batch of
-- conversations at once, by conversation only.
CREATE INDEX tb_proposals_conv ON tb_proposals (conv_key) WHERE state = 'pending';
