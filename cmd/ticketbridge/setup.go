package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/redact"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// dataDir holds the embedded default's database and development secrets.
const dataDir = "./data"

// loadConfig reads --config, or builds the embedded default with its
// development secrets (made once and kept under ./data).
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	if path != "" {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, problemsToStderr(cmd, err)
		}
		return cfg, nil
	}
	return defaultConfig()
}

func defaultConfig() (*config.Config, error) {
	cfg := config.Default(dataDir)
	secret, err := devSecret(filepath.Join(dataDir, "dev-secret"), stdwebhook.NewSecret)
	if err != nil {
		return nil, err
	}
	token, err := devSecret(filepath.Join(dataDir, "dev-admin-token"), func() (string, error) {
		s, err := stdwebhook.NewSecret()
		return "tb_" + strings.TrimPrefix(s, "whsec_"), err
	})
	if err != nil {
		return nil, err
	}
	for i := range cfg.Sources {
		cfg.Sources[i].Set("secret", secret)
	}
	cfg.Admin.Tokens = []config.Token{{Name: "dev", Token: token, Scopes: []string{"admin"}}}
	return cfg, nil
}

// devSecret reads a development secret from path, making it first.
func devSecret(path string, make func() (string, error)) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	s, err := make()
	if err != nil {
		return "", fmt.Errorf("make development secret: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save development secret: %w", err)
	}
	return s, nil
}

// newLogger writes JSON (or text) logs at the configured level; unless
// security.redact.logs is false, every line has its personal data masked.
func newLogger(cfg *config.Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.Log.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	if logs := cfg.Security.Redact.Logs; logs == nil || *logs {
		r, err := app.Redactor(cfg.Security.Redact)
		if err != nil {
			return nil, err
		}
		h = redact.NewHandler(h, r)
	}
	return slog.New(h), nil
}

// openStore opens the configured store with an insert-only job client,
// for commands that act on the database without running workers.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, store.Queue, error) {
	st, err := app.OpenStore(ctx, cfg.Storage, slog.New(slog.DiscardHandler), app.WithEncryption(cfg.Security.Encryption))
	if err != nil {
		return nil, nil, err
	}
	q, err := st.Queue(&river.Config{})
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("build job client: %w", err)
	}
	return st, q, nil
}

func addConfigFlag(cmd *cobra.Command) {
	cmd.Flags().StringP("config", "c", "", "YAML configuration file (default: the embedded default under ./data)")
}

// problemsToStderr prints a configuration's problems one per line on
// stderr and returns a short error in their place, so that they read the
// same as in `config check`; any other error passes through.
func problemsToStderr(cmd *cobra.Command, err error) error {
	var ps config.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps {
		fmt.Fprintln(cmd.ErrOrStderr(), p.String())
	}
	return fmt.Errorf("%d problem(s) in the configuration", len(ps))
}
