package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// openKeyedStore opens the store with the configured key ring, for the
// commands that read or re-seal bodies.
func openKeyedStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	return app.OpenStore(ctx, cfg.Storage, slog.New(slog.DiscardHandler), app.WithEncryption(cfg.Security.Encryption))
}

func keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Encryption at rest: which keys the stored bodies use, and rotation"}
	status := &cobra.Command{
		Use:   "status",
		Short: "Count stored bodies per key id (and plaintext ones)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, err := openKeyedStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			counts, err := st.BodiesByKey(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
				return jsonLines(cmd.OutOrStdout(), keyRows(cfg.Security.Encryption.Active, counts))
			}
			return printKeyCounts(cmd, cfg.Security.Encryption.Active, counts)
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Re-encrypt every stored body with the active key (safe to interrupt and run again)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			batch, _ := cmd.Flags().GetInt("batch")
			if batch < 1 || batch > 10000 {
				return fmt.Errorf("--batch must be between 1 and 10000")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if len(cfg.Security.Encryption.Keys) == 0 {
				return fmt.Errorf("no encryption keys are configured (security.encryption)")
			}
			st, err := openKeyedStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			return rotateKeys(cmd, st, cfg.Security.Encryption.Active, batch)
		},
	}
	rotate.Flags().Int("batch", 500, "rows re-encrypted per transaction")
	status.Flags().Bool("json", false, `one JSON object per key: {"key","active","bodies"}; key "" is plaintext`)
	for _, c := range []*cobra.Command{status, rotate} {
		addConfigFlag(c)
		cmd.AddCommand(c)
	}
	return cmd
}

// rotateKeys re-seals in batches, in the background of the command, with a
// progress bar on stderr sized by the bodies not yet under the active key.
func rotateKeys(cmd *cobra.Command, st store.Store, active string, batch int) error {
	ctx := cmd.Context()
	before, err := st.BodiesByKey(ctx)
	if err != nil {
		return err
	}
	todo := notUnder(before, active)
	bar := newBar(cmd.ErrOrStderr(), todo, "re-encrypting")
	type result struct {
		rows int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var rows int
		for {
			n, err := st.BodiesRekey(ctx, batch)
			rows += n
			if err != nil || n == 0 {
				done <- result{rows, err}
				return
			}
			bar.add(n)
		}
	}()
	res := <-done
	bar.finish()
	if res.err != nil {
		return fmt.Errorf("rotation stopped after %d row(s); run it again to go on: %w", res.rows, res.err)
	}
	after, err := st.BodiesByKey(ctx)
	if err != nil {
		return err
	}
	// Counted in bodies, as keys status counts them: a row may hold
	// several (an event's text and raw payload).
	bodies := todo - notUnder(after, active)
	detail := map[string]any{"active": active, "rows": res.rows, "bodies": bodies}
	if err := auditCLI(ctx, st, "keys.rotate", active, detail); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "re-encrypted %d bodies (in %d rows) with key %q\n", bodies, res.rows, active)
	return printKeyCounts(cmd, active, after)
}

// notUnder counts the bodies not sealed with the active key.
func notUnder(counts map[string]int, active string) int {
	n := 0
	for id, c := range counts {
		if id != active {
			n += c
		}
	}
	return n
}

func printKeyCounts(cmd *cobra.Command, active string, counts map[string]int) error {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tBODIES")
	for _, id := range slices.Sorted(maps.Keys(counts)) {
		name := id
		switch {
		case id == store.PlainKey:
			name = "(plaintext)"
		case id == active:
			name += " (active)"
		}
		fmt.Fprintf(tw, "%s\t%d\n", name, counts[id])
	}
	return tw.Flush()
}

type keyRow struct {
	Key    string `json:"key"`
	Active bool   `json:"active"`
	Bodies int    `json:"bodies"`
}

func keyRows(active string, counts map[string]int) []keyRow {
	rows := []keyRow{}
	for _, id := range slices.Sorted(maps.Keys(counts)) {
		rows = append(rows, keyRow{Key: id, Active: id == active && id != store.PlainKey, Bodies: counts[id]})
	}
	return rows
}
