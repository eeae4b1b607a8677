package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/buildinfo"
)

func versionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := buildinfo.Read()
			if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(in)
			}
			commit := in.Commit
			if in.Modified {
				commit += " (with uncommitted changes)"
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "ticketbridge %s\ncommit:      %s\nbuild date:  %s (the commit's time)\ngo version:  %s\n",
				in.Version, commit, in.BuildDate, in.GoVersion)
			return err
		},
	}
	cmd.Flags().Bool("json", false, "print it as one JSON object")
	return cmd
}
