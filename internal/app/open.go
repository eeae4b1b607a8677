package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/postgres"
	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
)

// OpenStore opens and migrates the configured database.
func OpenStore(ctx context.Context, cfg config.Storage, log *slog.Logger) (store.Store, error) {
	var (
		s   store.Store
		err error
	)
	switch cfg.Driver {
	case "sqlite":
		s, err = sqlite.Open(ctx, cfg.DSN, log)
	case "postgres":
		s, err = postgres.Open(ctx, cfg.DSN, cfg.Schema, log)
	default:
		return nil, fmt.Errorf("unknown storage driver %q", cfg.Driver)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s storage: %w", cfg.Driver, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate %s storage: %w", cfg.Driver, err)
	}
	return s, nil
}
