package main

import (
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/blob"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
)

func purgeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Purge message bodies and attachments past security.retention (per source)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dry, _ := cmd.Flags().GetBool("dry-run")
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, err := openKeyedStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			p := jobs.RetentionPolicy(cfg.Security.Retention)
			now := time.Now()
			counts, err := st.RetentionCount(cmd.Context(), p, now)
			if err != nil {
				return err
			}
			if !dry && len(counts) > 0 {
				// The filesystem is the only blob store so far.
				blobs, err := blob.NewFS(cfg.Blob.Dir)
				if err != nil {
					return err
				}
				if counts, err = jobs.PurgeRetention(cmd.Context(), st, blobs, p, now, cliActor(), 0); err != nil {
					return err
				}
			}
			verb := "purged"
			if dry {
				verb = "would purge"
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tDAYS\tEVENTS")
			total := 0
			for _, src := range slices.Sorted(maps.Keys(counts)) {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", src, p.DaysFor(src), counts[src])
				total += counts[src]
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s the bodies of %d event(s)\n", verb, total)
			return nil
		},
	}
	cmd.Flags().Bool("dry-run", false, "only show what would be purged")
	addConfigFlag(cmd)
	return cmd
}
