package main

import (
	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/demo"
)

func demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Watch a complaint become a ticket and its answer come back, all in one process",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demo.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
}
