package store

import (
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Both River client flavours must satisfy Queue.
var (
	_ Queue = (*river.Client[*sql.Tx])(nil)
	_ Queue = (*river.Client[pgx.Tx])(nil)
)
