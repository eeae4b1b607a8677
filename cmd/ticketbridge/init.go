package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/starter"
)

func initCmd() *cobra.Command {
	srcs, sinks := starter.Names()
	cmd := &cobra.Command{
		Use:   "init PLATFORM...",
		Short: "Write a commented starter configuration for the chats and ticket systems named",
		Long: fmt.Sprintf(`Writes a starter configuration, e.g. ticketbridge init slack jira.
Chats: %s. Ticket systems: %s (webhook is the generic
Standard Webhooks sink). Without a chat it uses the generic source; without
a ticket system, the built-in desk. Secrets are read from environment
variables, listed at the top of the file.`, strings.Join(srcs, ", "), strings.Join(sinks, ", ")),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, vars, err := starter.Config(args)
			if err != nil {
				return err
			}
			path, _ := cmd.Flags().GetString("output")
			if path == "-" {
				_, err := fmt.Fprint(cmd.OutOrStdout(), text)
				return err
			}
			force, _ := cmd.Flags().GetBool("force")
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(path, flags, 0o600)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists: choose another name with --output, or replace it with --force", path)
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			if _, err := f.WriteString(text); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", path, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "wrote %s. Set these variables, change the lines marked \"change\", then check it:\n", path)
			for _, v := range vars {
				fmt.Fprintf(out, "  export %s=…   # %s\n", v.Name, v.Help)
			}
			fmt.Fprintf(out, "  ticketbridge config check %s\n", path)
			return nil
		},
	}
	cmd.Flags().StringP("output", "o", "ticketbridge.yaml", `file to write ("-" for stdout)`)
	cmd.Flags().Bool("force", false, "replace the file if it exists")
	return cmd
}
