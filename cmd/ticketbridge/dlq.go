package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func dlqCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "dlq", Short: "Inspect and replay dead letters (jobs that failed for good)"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			limit, _ := cmd.Flags().GetInt("limit")
			if limit < 1 || limit > maxListLimit {
				return fmt.Errorf("--limit must be between 1 and %d", maxListLimit)
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, q, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			rows, err := jobs.DeadLetters(cmd.Context(), q, limit)
			if err != nil {
				return err
			}
			letters := jobs.Describe(rows)
			if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
				return jsonLines(cmd.OutOrStdout(), letters)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tSTATE\tATTEMPTS\tCREATED\tLAST ERROR\tMESSAGE")
			for _, d := range letters {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.Kind, d.State, d.Attempts,
					d.CreatedAt.Format("2006-01-02 15:04:05"), d.Error, messageText(d.Args))
			}
			return tw.Flush()
		},
	}
	list.Flags().Int("limit", 100, "how many to show (at most 10000)")
	list.Flags().Bool("json", false, "one JSON object per line, with the job's arguments")
	replay := &cobra.Command{
		Use:   "replay ID|--all",
		Short: "Make dead letters run again with fresh attempts",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			all, _ := cmd.Flags().GetBool("all")
			if all == (len(args) == 1) {
				return fmt.Errorf("give one job ID or --all")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, q, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			var ids []int64
			if all {
				if ids, err = deadLetterIDs(cmd.Context(), q); err != nil {
					return err
				}
			} else {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return fmt.Errorf("job ID %q is not a number", args[0])
				}
				ids = []int64{id}
			}
			bar := newBar(cmd.ErrOrStderr(), len(ids), "replaying")
			for _, id := range ids {
				if err := jobs.Replay(cmd.Context(), q, id); err != nil {
					return err
				}
				bar.add(1)
			}
			bar.finish()
			if err := auditCLI(cmd.Context(), st, "dlq.replay", fmt.Sprint(ids), nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "replayed %d job(s)\n", len(ids))
			return nil
		},
	}
	replay.Flags().Bool("all", false, "replay every dead letter")
	for _, c := range []*cobra.Command{list, replay} {
		addConfigFlag(c)
		cmd.AddCommand(c)
	}
	return cmd
}

// maxListLimit is the most rows River lists at once; asking for more
// panics inside River.
const maxListLimit = 10_000

// deadLetterIDs pages through every dead letter, oldest first. The ids are
// taken before any is replayed, so that a job a running server fails
// again at once is not replayed twice in one --all.
func deadLetterIDs(ctx context.Context, q store.Queue) ([]int64, error) {
	var ids []int64
	// The states jobs.DeadLetters lists.
	params := river.NewJobListParams().States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).First(maxListLimit).OrderBy(river.JobListOrderByID, river.SortOrderAsc)
	for {
		res, err := q.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		for _, j := range res.Jobs {
			ids = append(ids, j.ID)
		}
		if len(res.Jobs) < maxListLimit || res.LastCursor == nil {
			return ids, nil
		}
		params = params.After(res.LastCursor)
	}
}

// messageText is the chat message a job carries (a notification's text),
// shortened to one line; "" for jobs that carry none.
func messageText(args string) string {
	var a struct {
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if json.Unmarshal([]byte(args), &a) != nil || a.Message.Text == "" {
		return ""
	}
	t := strings.Join(strings.Fields(a.Message.Text), " ")
	if r := []rune(t); len(r) > 80 {
		t = string(r[:79]) + "…"
	}
	return t
}
