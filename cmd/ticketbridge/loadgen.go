package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/loadgen"
)

func loadgenCmd() *cobra.Command {
	var (
		o        loadgen.Options
		jsonPath string
		quiet    bool
	)
	cmd := &cobra.Command{
		Use:   "loadgen",
		Short: "Offer signed chat events to a running server at a fixed rate and measure it (loopback only)",
		Long: `loadgen plays the chat platform and the ticket system for a server under test:
it sends signed events at a fixed rate (open loop) over many conversations,
runs a fake generic ticket system and a fake chat reply endpoint, sends a
status webhook for each ticket, and reports ack, event→ticket and
ticket→chat latencies. Write the server's config with "loadgen config".
See docs/loadgen.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lg, err := loadgen.New(o)
			if err != nil {
				return err
			}
			defer lg.Close()
			var progress = cmd.ErrOrStderr()
			if quiet {
				progress = nil
			}
			s, runErr := lg.Run(cmd.Context(), progress)
			if err := s.WriteText(cmd.OutOrStdout()); err != nil {
				return err
			}
			if jsonPath != "" {
				data, err := json.MarshalIndent(s, "", "  ")
				if err != nil {
					return fmt.Errorf("encode summary: %w", err)
				}
				if err := os.WriteFile(jsonPath, append(data, '\n'), 0o644); err != nil {
					return fmt.Errorf("write summary: %w", err)
				}
			}
			if runErr != nil {
				return runErr
			}
			if !s.Complete() {
				return errors.New("run incomplete: not every event was accepted or not every ticket and reply arrived")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "http://127.0.0.1:8080", "base URL of the server under test (loopback unless --allow-remote)")
	f.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a --target that is not a loopback address")
	f.StringVar(&o.Source, "source", "chat", "source id: events go to /hooks/im/<source>")
	f.StringVar(&o.Format, "format", loadgen.FormatGeneric, "event format: generic (Standard Webhooks) or slack (v0 event_callback)")
	f.StringVar(&o.Secret, "secret", "", "generic: the source's whsec_ secret; slack: the signing secret (default: loadgen's public test secret)")
	f.StringVar(&o.BotToken, "bot-token", loadgen.DefaultBotToken, "slack: the bot token the fake Web API expects")
	f.IntVar(&o.Conversations, "conversations", 1000, "number of conversations events are spread over")
	f.Float64Var(&o.Rate, "rate", 1000, "offered events per second")
	f.DurationVar(&o.Duration, "duration", 0, "how long to offer load (events = rate × duration)")
	f.IntVar(&o.Events, "events", 0, "how many events to send (instead of --duration)")
	f.IntVar(&o.TicketEvery, "ticket-every", 10, `every Kth conversation opens with "/ticket …" (negative: none)`)
	f.StringVar(&o.SinkListen, "sink-listen", "127.0.0.1:9090", "loopback address of the fake ticket system")
	f.StringVar(&o.SinkID, "sink", "loadgen", "sink id: status webhooks go to /hooks/tickets/<sink>")
	f.StringVar(&o.SinkSecret, "sink-secret", loadgen.DefaultSinkSecret, "whsec_ secret the sink signs with and its webhooks are signed with")
	f.DurationVar(&o.Sink.Latency, "sink-latency", 0, "fake ticket system: latency of every answer")
	f.Float64Var(&o.Sink.Errors, "sink-errors", 0, "fake ticket system: ratio of requests answered 500")
	f.Float64Var(&o.Sink.TooMany, "sink-429", 0, "fake ticket system: ratio of requests answered 429")
	f.DurationVar(&o.Sink.RetryAfter, "sink-retry-after", time.Second, "fake ticket system: Retry-After of its 429s")
	f.Uint64Var(&o.Sink.Seed, "seed", 1, "seed of the fake ticket system's fault draws")
	f.StringVar(&o.Status, "status", "in_progress", "status the status webhook moves each ticket to")
	f.BoolVar(&o.TicketsOnly, "tickets-only", false, "measure event→ticket only: send no status webhooks and wait for no replies (a target that does not reply in chat)")
	f.StringVar(&o.ChatListen, "chat-listen", "127.0.0.1:9091", "loopback address of the fake chat reply endpoint")
	f.DurationVar(&o.DrainTimeout, "drain-timeout", time.Minute, "longest wait for tickets and replies after the last send")
	f.DurationVar(&o.RequestTimeout, "request-timeout", 10*time.Second, "timeout of each event's request")
	f.IntVar(&o.MaxConns, "max-conns", 512, "most connections to the target at once")
	f.StringVar(&jsonPath, "json", "", "also write the summary as JSON to this file")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bars")
	cmd.AddCommand(loadgenConfigCmd())
	return cmd
}

func loadgenConfigCmd() *cobra.Command {
	var p loadgen.ConfigParams
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print a ticketbridge config for the server under test, pointing at loadgen's fakes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := loadgen.ConfigYAML(p)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.Listen, "listen", "127.0.0.1:8080", "server.listen of the server under test")
	f.StringVar(&p.DataDir, "data", "./data-loadgen", "directory of the SQLite file")
	f.StringVar(&p.DSN, "postgres", "", "PostgreSQL connection string to use instead of SQLite")
	f.StringVar(&p.Format, "format", loadgen.FormatGeneric, "source type: generic or slack (as loadgen --format)")
	f.StringVar(&p.Source, "source", "chat", "source id (as loadgen --source)")
	f.StringVar(&p.Secret, "secret", "", "source secret (as loadgen --secret; default loadgen's public test secret)")
	f.StringVar(&p.BotToken, "bot-token", loadgen.DefaultBotToken, "slack bot token (as loadgen --bot-token)")
	f.StringVar(&p.SinkID, "sink", "loadgen", "sink id (as loadgen --sink)")
	f.StringVar(&p.SinkSecret, "sink-secret", loadgen.DefaultSinkSecret, "sink secret (as loadgen --sink-secret)")
	f.StringVar(&p.SinkURL, "sink-url", "http://127.0.0.1:9090", "base URL of loadgen's fake ticket system (its --sink-listen)")
	f.StringVar(&p.ChatURL, "chat-url", "http://127.0.0.1:9091", "base URL of loadgen's fake chat (its --chat-listen)")
	return cmd
}
