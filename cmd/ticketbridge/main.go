// Command ticketbridge turns IM conversations into tickets and ticket
// progress back into the conversation. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/buildinfo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ticketbridge:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "ticketbridge",
		Short:         "Turn chat conversations into tickets and ticket progress back into the chat",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.Read().String(),
	}
	root.AddCommand(serveCmd(), demoCmd(), configCmd(), rulesCmd(), sendCmd(), dlqCmd(), deskCmd(), doctorCmd(), redactCmd(), loadgenCmd(),
		keysCmd(), purgeCmd(), auditCmd(), chatCmd(), versionCmd(), initCmd())
	return root
}
