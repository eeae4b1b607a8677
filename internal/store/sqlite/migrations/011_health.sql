-- The console's health charts: per-minute totals of a few series, added to
-- by every replica.
CREATE TABLE tb_health_minutes (
	series TEXT    NOT NULL,
	minute INTEGER NOT NULL, -- unix seconds, a multiple of 60
	sum    REAL    NOT NULL,
	count  REAL    NOT NULL,
	PRIMARY KEY (series, minute)
);
