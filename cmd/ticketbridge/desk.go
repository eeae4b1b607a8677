package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// deskCmd works the built-in local desk directly in the database; a
// running server picks the resulting ticket events up from the job queue.
func deskCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "desk", Short: "Work tickets on the built-in local desk"}
	list := &cobra.Command{
		Use: "list", Short: "List desk tickets", Args: cobra.NoArgs,
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, _ *local.Desk) error {
			status, _ := cmd.Flags().GetString("status")
			after, _ := cmd.Flags().GetString("after")
			limit, _ := cmd.Flags().GetInt("limit")
			if limit < 1 || limit > maxListLimit {
				return fmt.Errorf("--limit must be between 1 and %d", maxListLimit)
			}
			pages, ok := st.(interface {
				DeskPage(ctx context.Context, status, after string, limit int) ([]store.DeskTicket, error)
			})
			if !ok {
				return fmt.Errorf("the %T store cannot page the desk", st)
			}
			// One more than asked says whether there is a next page.
			ts, err := pages.DeskPage(cmd.Context(), status, after, limit+1)
			if err != nil {
				return err
			}
			more := len(ts) > limit
			ts = ts[:min(len(ts), limit)]
			if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
				return jsonLines(cmd.OutOrStdout(), ts)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tSTATUS\tPRIORITY\tREQUESTER\tTITLE")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Key, t.Status, t.Priority, t.Requester.Name, t.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if more {
				fmt.Fprintf(cmd.ErrOrStderr(), "more tickets follow: ticketbridge desk list --after %s\n", ts[len(ts)-1].Key)
			}
			return nil
		}),
	}
	list.Flags().String("status", "", "only tickets with this status")
	list.Flags().String("after", "", "start after this ticket key (the next page)")
	list.Flags().Int("limit", 100, fmt.Sprintf("how many to show (at most %d)", maxListLimit))
	list.Flags().Bool("json", false, "one JSON object per line")
	show := &cobra.Command{
		Use: "show KEY", Short: "Show a ticket and its comments", Args: cobra.ExactArgs(1),
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, _ *local.Desk) error {
			t, err := st.DeskGet(cmd.Context(), args[0])
			if err != nil {
				return deskError(args[0], err)
			}
			cs, err := st.DeskComments(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s  [%s]  priority %s  requester %s <%s>\n%s\nlabels: %s\n\n%s\n", t.Key, t.Status, t.Priority,
				t.Requester.Name, t.Requester.Email, t.Title, strings.Join(t.Labels, ", "), t.Description)
			if q, ok := st.(store.Quality); ok {
				// The ticket's satisfaction field, once the customer answered.
				if score, comment, err := q.DeskSatisfaction(cmd.Context(), args[0]); err == nil && score > 0 {
					fmt.Fprintf(out, "\nsatisfaction: %d/5", score)
					if comment != "" {
						fmt.Fprintf(out, " (%s)", comment)
					}
					fmt.Fprintln(out)
				}
			}
			for _, c := range cs {
				vis := "public"
				if !c.Public {
					vis = "internal"
				}
				fmt.Fprintf(out, "\n--- %s, %s (%s)\n%s\n", c.Author, c.CreatedAt.Format(time.DateTime), vis, c.Body)
			}
			return nil
		}),
	}
	comment := &cobra.Command{
		Use: "comment KEY TEXT", Short: "Comment on a ticket as an agent (public unless --internal)", Args: cobra.ExactArgs(2),
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, d *local.Desk) error {
			internal, _ := cmd.Flags().GetBool("internal")
			author, _ := cmd.Flags().GetString("author")
			if _, err := d.AgentComment(cmd.Context(), args[0], author, args[1], !internal); err != nil {
				return deskError(args[0], err)
			}
			if err := auditCLI(cmd.Context(), st, "desk.comment", args[0], map[string]any{"author": author, "public": !internal}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "commented on %s\n", args[0])
			return nil
		}),
	}
	comment.Flags().Bool("internal", false, "an internal note (never sent to the chat)")
	comment.Flags().String("author", "agent", "author name")
	status := &cobra.Command{
		Use: "status KEY STATUS", Short: "Set a ticket's status: " + strings.Join(local.Statuses, ", "), Args: cobra.ExactArgs(2),
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, d *local.Desk) error {
			prev, err := d.SetStatus(cmd.Context(), args[0], args[1])
			if err != nil {
				return deskError(args[0], err)
			}
			if err := auditCLI(cmd.Context(), st, "desk.status", args[0], map[string]any{"from": prev, "to": args[1]}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s → %s\n", args[0], prev, args[1])
			return nil
		}),
	}
	assign := &cobra.Command{
		Use: "assign KEY NAME", Short: "Assign a ticket to an agent (a handed-over customer is told who picked it up)", Args: cobra.ExactArgs(2),
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, d *local.Desk) error {
			if err := d.Assign(cmd.Context(), args[0], args[1]); err != nil {
				return deskError(args[0], err)
			}
			if err := auditCLI(cmd.Context(), st, "desk.assign", args[0], map[string]any{"assignee": args[1]}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s assigned to %s\n", args[0], strings.TrimSpace(args[1]))
			return nil
		}),
	}
	priority := &cobra.Command{
		Use: "priority KEY PRIORITY", Short: "Change a ticket's priority (its SLA deadlines follow)", Args: cobra.ExactArgs(2),
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, d *local.Desk) error {
			prev, err := d.ChangePriority(cmd.Context(), args[0], args[1])
			if err != nil {
				return deskError(args[0], err)
			}
			to := strings.TrimSpace(args[1])
			if err := auditCLI(cmd.Context(), st, "desk.priority", args[0], map[string]any{"from": prev, "to": to}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: priority %s → %s\n", args[0], prev, to)
			return nil
		}),
	}
	for _, c := range []*cobra.Command{list, show, comment, status, assign, priority} {
		addConfigFlag(c)
		cmd.AddCommand(c)
	}
	return cmd
}

func withDesk(fn func(cmd *cobra.Command, args []string, st store.Store, d *local.Desk) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := loadConfig(cmd)
		if err != nil {
			return err
		}
		id := localSinkID(cfg)
		if id == "" {
			return fmt.Errorf("no sink of type local is configured")
		}
		st, _, err := openStore(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd, args, st, app.NewDesk(id, st))
	}
}

func localSinkID(cfg *config.Config) string {
	for _, s := range cfg.Sinks {
		if s.Type == "local" {
			return s.ID
		}
	}
	return ""
}

// deskError says what to do about a ticket that is not there; other
// errors pass through.
func deskError(key string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("desk ticket %s: %w (ticketbridge desk list shows the keys)", key, store.ErrNotFound)
	}
	return err
}

// jsonLines writes one JSON object per line, the --json form of every list.
func jsonLines[T any](w io.Writer, items []T) error {
	enc := json.NewEncoder(w)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}
