package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Summary is a run's result; it is also the --json document.
type Summary struct {
	Target        string  `json:"target"`
	Format        string  `json:"format"`
	RunID         string  `json:"run_id"`
	Conversations int     `json:"conversations"`
	OfferedRate   float64 `json:"offered_rate"`
	Events        int     `json:"events"`
	// Sent is how many events the pacer fired; AchievedRate is Sent over
	// the pacing window.
	Sent         int     `json:"sent"`
	AchievedRate float64 `json:"achieved_rate"`
	// Accepted counts 2xx answers; Throughput is Accepted per second
	// from the first due time to the last answer.
	Accepted    int            `json:"accepted"`
	Throughput  float64        `json:"throughput"`
	SendSeconds float64        `json:"send_seconds"`
	Errors      map[string]int `json:"errors"`
	// Ack is from each event's scheduled time to its answer.
	Ack Latency `json:"ack"`

	// Tickets: Expected counts ticket conversations whose /ticket event
	// was accepted; Ticket latency is from that event's send to the fake
	// sink's creation.
	TicketsExpected int     `json:"tickets_expected"`
	TicketsCreated  int     `json:"tickets_created"`
	Ticket          Latency `json:"ticket"`
	// Created replies ("ticket is open") reached the chat; on each one a
	// status webhook is sent, and Status is from its send to the status
	// reply.
	CreatedReplies   int     `json:"created_replies"`
	WebhooksSent     int     `json:"webhooks_sent"`
	WebhooksFailed   int     `json:"webhooks_failed"`
	StatusReplies    int     `json:"status_replies"`
	Status           Latency `json:"status"`
	UnexpectedReply  int     `json:"unexpected_replies"`
	UnexpectedTicket int     `json:"unexpected_tickets"`
	// TicketsOnly says the run measured tickets only (Options.TicketsOnly):
	// no status webhooks, and replies are not waited for.
	TicketsOnly bool `json:"tickets_only,omitempty"`

	// DrainSeconds is from the last send until the last expected ticket
	// and status reply arrived; Drained is false when DrainTimeout ended
	// the wait first.
	DrainSeconds float64 `json:"drain_seconds"`
	Drained      bool    `json:"drained"`

	Sink SinkCounts `json:"sink"`
	Chat ChatCounts `json:"chat"`
}

// Complete reports whether every event was accepted and every expected
// ticket and reply arrived (with TicketsOnly: every expected ticket).
func (s Summary) Complete() bool {
	return s.Accepted == s.Events && s.Drained &&
		s.TicketsCreated == s.TicketsExpected && (s.TicketsOnly || s.StatusReplies == s.TicketsExpected)
}

// WriteText prints the summary for people.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target %s (%s), run %s, %d conversations\n", s.Target, s.Format, s.RunID, s.Conversations)
	fmt.Fprintf(&b, "offered  %d events at %.0f/s; sent %d at %.0f/s\n", s.Events, s.OfferedRate, s.Sent, s.AchievedRate)
	fmt.Fprintf(&b, "accepted %d (%.0f/s over %.1fs)\n", s.Accepted, s.Throughput, s.SendSeconds)
	if len(s.Errors) > 0 {
		parts := make([]string, 0, len(s.Errors))
		for _, k := range slices.Sorted(maps.Keys(s.Errors)) {
			parts = append(parts, fmt.Sprintf("%s×%d", k, s.Errors[k]))
		}
		fmt.Fprintf(&b, "errors   %s\n", strings.Join(parts, " "))
	}
	line := func(name string, l Latency) {
		fmt.Fprintf(&b, "%-8s n=%d p50 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms\n", name, l.Count, l.P50, l.P99, l.P999, l.Max)
	}
	line("ack", s.Ack)
	fmt.Fprintf(&b, "tickets  %d of %d created\n", s.TicketsCreated, s.TicketsExpected)
	line("ticket", s.Ticket)
	if s.TicketsOnly {
		fmt.Fprintf(&b, "replies  %d created; tickets only: no status webhooks, replies not waited for\n", s.CreatedReplies)
	} else {
		fmt.Fprintf(&b, "replies  %d created, %d status of %d (webhooks %d sent, %d failed)\n",
			s.CreatedReplies, s.StatusReplies, s.TicketsExpected, s.WebhooksSent, s.WebhooksFailed)
	}
	line("status", s.Status)
	state := "drained"
	if !s.Drained {
		state = "NOT drained (drain timeout)"
	}
	fmt.Fprintf(&b, "backlog  %s in %.2fs after the last send\n", state, s.DrainSeconds)
	fmt.Fprintf(&b, "sink     %d requests: %d creates, %d lookups, %d comments; injected %d errors, %d 429s; %d bad signatures, %d duplicate creates\n",
		s.Sink.Requests, s.Sink.Creates, s.Sink.Lookups, s.Sink.Comments, s.Sink.Errors, s.Sink.TooMany, s.Sink.Rejected, s.Sink.Duplicates)
	fmt.Fprintf(&b, "chat     %d requests, %d replies, %d rejected\n", s.Chat.Requests, s.Chat.Replies, s.Chat.Rejected)
	if s.UnexpectedReply+s.UnexpectedTicket > 0 {
		fmt.Fprintf(&b, "unexpected: %d replies, %d tickets outside this run's ticket conversations\n", s.UnexpectedReply, s.UnexpectedTicket)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
