package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/config"
)

type fakeReloader struct{ err error }

func (f fakeReloader) Reload(context.Context, string) (api.ReloadResult, error) {
	return api.ReloadResult{}, f.err
}

// Each SIGHUP reloads; a refused file is logged problem by problem.
func TestReloadOnSignal(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	refused := config.Problems{{File: "tb.yaml", Line: 21, Field: "routes[0].rollout", Message: "must be between 0 and 100"}}
	sig := make(chan os.Signal)
	outcomes := make(chan error)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go reloadOnSignal(ctx, sig, fakeReloader{err: refused}, log, func(err error) { outcomes <- err })
	sig <- syscall.SIGHUP
	if err := <-outcomes; !errors.As(err, new(config.Problems)) {
		t.Fatalf("outcome = %v, want the problems", err)
	}
	if !strings.Contains(logs.String(), `problem="tb.yaml:21: routes[0].rollout: must be between 0 and 100"`) {
		t.Fatalf("log = %s", logs.String())
	}
}
