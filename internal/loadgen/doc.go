// Package loadgen drives a running ticketbridge the way a busy chat
// platform and a ticket system would, and measures what comes back.
//
// One Loadgen, in one process, plays three parts on loopback listeners:
//
//   - the chat platform: signed events (generic Standard Webhooks, or
//     Slack v0 event_callback messages) offered to /hooks/im/{source} at a
//     fixed rate by an open-loop pacer that never waits for answers, spread
//     over N conversations; every Kth conversation opens with "/ticket …",
//     the others are neutral chatter no trigger fires on;
//   - the ticket system (FakeSink): the generic sink's API with an
//     injected latency, error ratio and 429 ratio (with Retry-After) drawn
//     from a seeded RNG, verifying every request's signature; it stamps
//     each ticket's creation;
//   - the chat's reply endpoint (FakeChat): verifies signatures (or the
//     Slack bot token) and stamps each reply. When a conversation hears
//     that its ticket is open, loadgen sends a signed status-change
//     webhook for that ticket to /hooks/tickets/{sink} and times the
//     status reply that follows.
//
// The Summary reports ingest throughput, ack latency from each event's
// scheduled time, errors by status, event→ticket and ticket event→chat
// latency, and how long the backlog took to drain after the last send.
// ConfigYAML writes the ticketbridge configuration that points the server
// under test at the fakes. Traffic goes to loopback addresses only unless
// the caller allows otherwise, and every run is bounded in events and time.
package loadgen
