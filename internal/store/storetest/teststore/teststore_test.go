package teststore_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/postgres"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestEachRunsBothAndCleansUp(t *testing.T) {
	var ran []string
	var schema string
	teststore.Each(t, func(t *testing.T, s store.Store) {
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		ran = append(ran, t.Name())
		if pg, ok := s.(*postgres.Store); ok {
			schema = pg.Schema()
		}
	})
	if len(ran) != 2 || schema == "" {
		t.Fatalf("Each ran %q (postgres schema %q), want sqlite and postgres", ran, schema)
	}
	conn, err := pgx.Connect(t.Context(), teststore.PostgresDSN())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(t.Context())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM information_schema.schemata
		WHERE schema_name = $1`, schema).Scan(&n); err != nil {
		t.Fatalf("look up schema: %v", err)
	}
	if n != 0 {
		t.Errorf("schema %s still exists after the subtest's cleanup", schema)
	}
}
