package main

import (
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
)

func serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the service (with no --config: SQLite under ./data, the local desk, one generic source)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if listen, _ := cmd.Flags().GetString("listen"); listen != "" {
				// The public URL defaulted to the configured address;
				// follow the override unless it was set on its own.
				if cfg.Server.PublicURL == "http://"+cfg.Server.Listen {
					cfg.Server.PublicURL = "http://" + listen
				}
				cfg.Server.Listen = listen
			}
			log, err := newLogger(cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			a, err := app.New(ctx, cfg, app.Options{Log: log})
			if err != nil {
				return problemsToStderr(cmd, err)
			}
			ln, err := net.Listen("tcp", cfg.Server.Listen)
			if err != nil {
				a.Close(ctx)
				return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
			}
			if err := a.Start(ctx); err != nil {
				a.Close(ctx)
				return err
			}
			if cfg.File == "" {
				printDevBanner(cmd, cfg, ln.Addr().String())
			}
			log.Info("ticketbridge listening", "addr", ln.Addr().String(), "storage", cfg.Storage.Driver)
			serveErr := a.Serve(ctx, ln)
			return joinErr(serveErr, a.Close(cmd.Context()))
		},
	}
	addConfigFlag(cmd)
	cmd.Flags().String("listen", "", "address to listen on, e.g. 127.0.0.1:0 for any free port (overrides server.listen)")
	return cmd
}
