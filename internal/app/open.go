package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/crypt"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/postgres"
	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
)

// StoreOption configures OpenStore.
type StoreOption func(*storeOptions)

type storeOptions struct {
	enc    config.Encryption
	hasEnc bool
}

// WithEncryption seals stored bodies with the configured key ring; with
// no keys configured the store keeps plaintext and OpenStore warns.
func WithEncryption(enc config.Encryption) StoreOption {
	return func(o *storeOptions) { o.enc, o.hasEnc = enc, true }
}

// Ring builds the key ring of the encryption settings; nil when no keys
// are configured.
func Ring(enc config.Encryption) (*crypt.Ring, error) {
	if len(enc.Keys) == 0 {
		return nil, nil
	}
	keys := make(map[string][]byte, len(enc.Keys))
	for _, k := range enc.Keys {
		b, err := crypt.DecodeKey(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("encryption key %q: %w", k.ID, err)
		}
		keys[k.ID] = b
	}
	r, err := crypt.NewRing(enc.Active, keys)
	if err != nil {
		return nil, fmt.Errorf("encryption: %w", err)
	}
	return r, nil
}

// OpenStore opens and migrates the configured database, and refuses a
// database holding bodies sealed with a key it was not given.
func OpenStore(ctx context.Context, cfg config.Storage, log *slog.Logger, opts ...StoreOption) (store.Store, error) {
	var o storeOptions
	for _, f := range opts {
		f(&o)
	}
	ring, err := Ring(o.enc)
	if err != nil {
		return nil, err
	}
	// A nil *crypt.Ring must become a nil interface, not a typed nil.
	var c store.Cipher
	if ring != nil {
		c = ring
	} else if o.hasEnc && log != nil {
		log.Warn("message bodies are stored unencrypted: set security.encryption to encrypt them at rest")
	}
	var s store.Store
	switch cfg.Driver {
	case "sqlite":
		s, err = sqlite.Open(ctx, cfg.DSN, log, sqlite.WithCipher(c))
	case "postgres":
		s, err = postgres.Open(ctx, cfg.DSN, cfg.Schema, log, postgres.WithCipher(c), postgres.WarmPools())
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
	if err := s.CheckKeys(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s storage: %w", cfg.Driver, err)
	}
	return s, nil
}
