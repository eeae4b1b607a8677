package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/ticketbridge/ticketbridge/internal/api"
)

// reloadOnSignal reloads the config each time sig delivers (SIGHUP) until
// ctx ends. A refused file keeps the running config; every problem is
// logged as `config check` prints it. done, when set, hears each outcome.
func reloadOnSignal(ctx context.Context, sig <-chan os.Signal, r api.Reloader, log *slog.Logger, done func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
		}
		_, err := r.Reload(ctx, "sighup")
		if err != nil {
			for _, p := range api.ReloadProblems(err) {
				log.Error("config reload refused", "problem", p.Problem)
			}
		}
		if done != nil {
			done(err)
		}
	}
}
