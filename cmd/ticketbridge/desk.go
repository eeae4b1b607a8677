package main

import (
	"fmt"
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
			ts, err := st.DeskList(cmd.Context(), status, 200)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tSTATUS\tPRIORITY\tREQUESTER\tTITLE")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Key, t.Status, t.Priority, t.Requester.Name, t.Title)
			}
			return tw.Flush()
		}),
	}
	list.Flags().String("status", "", "only tickets with this status")
	show := &cobra.Command{
		Use: "show KEY", Short: "Show a ticket and its comments", Args: cobra.ExactArgs(1),
		RunE: withDesk(func(cmd *cobra.Command, args []string, st store.Store, _ *local.Desk) error {
			t, err := st.DeskGet(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			cs, err := st.DeskComments(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s  [%s]  priority %s  requester %s <%s>\n%s\nlabels: %s\n\n%s\n", t.Key, t.Status, t.Priority,
				t.Requester.Name, t.Requester.Email, t.Title, strings.Join(t.Labels, ", "), t.Description)
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
				return err
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
				return err
			}
			if err := auditCLI(cmd.Context(), st, "desk.status", args[0], map[string]any{"from": prev, "to": args[1]}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s → %s\n", args[0], prev, args[1])
			return nil
		}),
	}
	for _, c := range []*cobra.Command{list, show, comment, status} {
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
