package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
)

func doctorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check every source's and sink's credentials and reachability, and each route's mapping",
		Long: `doctor makes one harmless call per configured connector (Slack auth.test, a Feishu or
WeCom token, Jira myself, Zendesk users/me, a one-row ServiceNow read …) and checks each
route's mapping against its ticket system's metadata. It says what is wrong in plain words
and exits non-zero when anything is. A connector with nothing it can check without side
effects is marked "--" and "not checked", never "ok".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			failed := 0
			for _, f := range app.Doctor(cmd.Context(), cfg, app.Options{}) {
				mark := "ok  "
				if f.Unchecked {
					mark = "--  "
				}
				if !f.OK {
					mark = "FAIL"
					failed++
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s  %-24s %s\n", mark, f.What, f.Detail)
			}
			if failed > 0 {
				return fmt.Errorf("%d check(s) failed", failed)
			}
			return nil
		},
	}
	addConfigFlag(cmd)
	return cmd
}
