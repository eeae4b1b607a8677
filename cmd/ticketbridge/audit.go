package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// cliActor names the person at the terminal in the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:unknown"
}

// auditCLI records an action done from the command line.
func auditCLI(ctx context.Context, st store.Store, action, target string, detail map[string]any) error {
	err := st.AuditAdd(ctx, store.AuditEntry{Actor: cliActor(), Action: action, Target: target, Detail: detail})
	if err != nil {
		return fmt.Errorf("record in the audit log: %w", err)
	}
	return nil
}

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log (who did what), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			actor, _ := cmd.Flags().GetString("actor")
			action, _ := cmd.Flags().GetString("action")
			sinceFlag, _ := cmd.Flags().GetString("since")
			limit, _ := cmd.Flags().GetInt("limit")
			asJSON, _ := cmd.Flags().GetBool("json")
			since, err := api.ParseSince(sinceFlag, time.Now())
			if err != nil {
				return err
			}
			if limit < 1 || limit > 10000 {
				return fmt.Errorf("--limit must be between 1 and 10000")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, err := openKeyedStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			entries, err := st.AuditList(cmd.Context(), store.AuditFilter{Actor: actor, Action: action, Since: since, Limit: limit})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				for _, e := range entries {
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tAT\tACTOR\tACTION\tTARGET\tDETAIL")
			for _, e := range entries {
				detail := ""
				if len(e.Detail) > 0 {
					b, _ := json.Marshal(e.Detail)
					detail = string(b)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.Local().Format(time.DateTime), e.Actor, e.Action, e.Target, detail)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().String("actor", "", "only this actor (a token name, cli:<user>, system)")
	cmd.Flags().String("action", "", "only this action (e.g. desk.comment, dlq.replay, keys.rotate)")
	cmd.Flags().String("since", "", "only entries since then: 24h, 7d or an RFC 3339 time")
	cmd.Flags().Int("limit", 100, "how many to show (at most 10000)")
	cmd.Flags().Bool("json", false, "JSON lines instead of a table")
	addConfigFlag(cmd)
	return cmd
}
