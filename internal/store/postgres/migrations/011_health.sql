-- The console's health charts: per-minute totals of a few series, added to
-- by every replica.
CREATE TABLE tb_health_minutes (
	series text   NOT NULL,
	minute bigint NOT NULL, -- unix seconds, a multiple of 60
	sum    double precision NOT NULL,
	count  double precision NOT NULL,
	PRIMARY KEY (series, minute)
);
