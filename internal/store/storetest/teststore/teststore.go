// Package teststore builds fresh, migrated stores for tests: a SQLite file
// in a temporary directory, or a throwaway schema in the test PostgreSQL.
package teststore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/postgres"
	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
)

// PostgresEnv names the variable holding the test database's DSN.
const PostgresEnv = "TICKETBRIDGE_TEST_POSTGRES"

// DefaultPostgresDSN is used when PostgresEnv is unset.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN returns the test database's DSN.
func PostgresDSN() string {
	if dsn := os.Getenv(PostgresEnv); dsn != "" {
		return dsn
	}
	return DefaultPostgresDSN
}

// SQLite returns a migrated store on a new file in t's temporary directory,
// closed at cleanup.
func SQLite(t testing.TB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	return sqliteAt(t, filepath.Join(t.TempDir(), "db", "ticketbridge.db"), opts...)
}

func sqliteAt(t testing.TB, path string, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := sqlite.Open(ctx, path, nil, opts...)
	if err != nil {
		t.Fatalf("teststore: open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("teststore: migrate sqlite: %v", err)
	}
	return s
}

// Postgres returns a migrated store in a new schema "tb_test_<random>" of
// the test database; the schema is dropped at cleanup. An unreachable
// database fails the test: the backend is part of what is tested.
func Postgres(t testing.TB, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return postgresIn(t, "tb_test_"+hex.EncodeToString(b[:]), true, opts...)
}

// postgresIn opens a store in schema; owner drops the schema at cleanup.
func postgresIn(t testing.TB, schema string, owner bool, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn := PostgresDSN()
	sharedExtensions(ctx, t, dsn)
	s, err := postgres.Open(ctx, dsn, schema, nil, opts...)
	if err != nil {
		t.Fatalf("teststore: PostgreSQL at %s is not usable: %v\n"+
			"Start one (e.g. `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:17`)"+
			" or point %s at a database where the user may create schemas.", redact(dsn), err, PostgresEnv)
	}
	t.Cleanup(func() {
		_ = s.Close()
		if owner {
			dropSchema(t, dsn, schema)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("teststore: migrate postgres schema %s: %v", schema, err)
	}
	return s
}

// redact hides a password in a URL-form DSN before it is printed.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}

// sharedExtensions installs pg_trgm in public before any test schema is
// migrated. Otherwise migration 013 installs it in the first test schema on
// the search_path, and dropping that schema (CASCADE) at its cleanup drops
// the extension under every other test running at the same moment.
func sharedExtensions(ctx context.Context, t testing.TB, dsn string) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return // Open reports the unusable database with advice
	}
	defer conn.Close(ctx)
	var schema string
	err = conn.QueryRow(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`).Scan(&schema)
	if err == nil && schema == "public" {
		return
	}
	if err == nil { // left in a test schema by an older run: move it out
		if _, err := conn.Exec(ctx, "ALTER EXTENSION pg_trgm SET SCHEMA public"); err != nil {
			t.Logf("teststore: move pg_trgm out of schema %s: %v", schema, err)
		}
		return
	}
	// Another test process may install it at the same moment: its error is
	// harmless, the extension exists either way.
	_, _ = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
}

func dropSchema(t testing.TB, dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("teststore: drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Errorf("teststore: drop schema %s: %v", schema, err)
	}
}

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh
// store.
func Each(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Reopener opens one database again, with the given cipher (nil: none);
// every store it returns is migrated and closed at cleanup.
type Reopener func(c store.Cipher) store.Store

// SQLiteReopener returns a Reopener on a new SQLite file.
func SQLiteReopener(t testing.TB) Reopener {
	path := filepath.Join(t.TempDir(), "db", "ticketbridge.db")
	return func(c store.Cipher) store.Store { return sqliteAt(t, path, sqlite.WithCipher(c)) }
}

// PostgresReopener returns a Reopener on a new schema, dropped at cleanup.
func PostgresReopener(t testing.TB) Reopener {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tb_test_" + hex.EncodeToString(b[:])
	first := true
	return func(c store.Cipher) store.Store {
		// The first store owns the schema; its cleanup runs last.
		owner := first
		first = false
		return postgresIn(t, schema, owner, postgres.WithCipher(c))
	}
}
