package loadgen

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Well-known secrets for loopback load tests. They are public (written
// here and in docs/loadgen.md) so that `loadgen config` and `loadgen`
// agree without copying secrets between terminals; they protect nothing
// and must never be used for a server reachable from elsewhere.
const (
	DefaultSecret      = "whsec_dGlja2V0YnJpZGdlLWxvYWRnZW4tc291cmNlLWtleSE="
	DefaultSinkSecret  = "whsec_dGlja2V0YnJpZGdlLWxvYWRnZW4tc2luay1rZXkhISE="
	DefaultSlackSecret = "loadgen-slack-signing-secret"
	DefaultBotToken    = "xoxb-loadgen-bot-token"
)

// Bounds every run stays inside, whatever the flags say.
const (
	MaxEvents       = 10_000_000
	MaxDuration     = 10 * time.Minute
	MaxDrainTimeout = 10 * time.Minute
)

// Options configure one run. Zero values take the defaults named.
type Options struct {
	// Target is the server under test's base URL; it must be a loopback
	// address unless AllowRemote.
	Target      string
	AllowRemote bool
	// Source is the source id (/hooks/im/{Source}); default "chat".
	Source string
	// Format is FormatGeneric (default) or FormatSlack.
	Format string
	// Secret signs events: the generic source's whsec_ secret (default
	// DefaultSecret) or Slack's signing secret (default
	// DefaultSlackSecret). For generic it also verifies replies.
	Secret string
	// BotToken is what the fake Slack Web API expects; default
	// DefaultBotToken.
	BotToken string

	// Conversations spreads events over this many conversations; default
	// 1000. Event i goes to conversation i mod Conversations.
	Conversations int
	// Rate is offered events per second; default 1000.
	Rate float64
	// Events is how many events to send; when zero, Rate×Duration.
	Events   int
	Duration time.Duration
	// TicketEvery makes every Kth conversation (0, K, 2K, …) open with
	// "/ticket …"; default 10; negative means none.
	TicketEvery int

	// SinkListen and ChatListen are the fakes' loopback addresses
	// (defaults 127.0.0.1:9090 and 127.0.0.1:9091; port 0 picks one).
	SinkListen string
	ChatListen string
	// SinkID is the sink id status webhooks go to (/hooks/tickets/{id});
	// default "loadgen".
	SinkID string
	// SinkSecret verifies the sink's requests and signs its webhooks;
	// default DefaultSinkSecret.
	SinkSecret string
	// Sink is the fake ticket system's fault profile.
	Sink Profile
	// Status is the ticket status the status webhook moves tickets to;
	// default "in_progress".
	Status string
	// TicketsOnly measures event→ticket only, for a target that creates
	// tickets but does not reply in the chat (a baseline such as a
	// Node-RED flow): no status webhooks are sent, the drain waits for
	// the tickets alone, and a run is complete without replies.
	TicketsOnly bool

	// DrainTimeout bounds the wait for tickets and replies after the last
	// send; default 60s.
	DrainTimeout time.Duration
	// RequestTimeout bounds each event's request; default 10s.
	RequestTimeout time.Duration
	// MaxConns caps connections to the target; default 512. Requests
	// beyond it queue in the client (and their latency shows it).
	MaxConns int
	// RunID makes conversation and event ids unique across runs against
	// the same server; default random.
	RunID string
}

func (o *Options) withDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.Target, "http://127.0.0.1:8080")
	def(&o.Source, "chat")
	def(&o.Format, FormatGeneric)
	if o.Format == FormatSlack {
		def(&o.Secret, DefaultSlackSecret)
	}
	def(&o.Secret, DefaultSecret)
	def(&o.BotToken, DefaultBotToken)
	def(&o.SinkListen, "127.0.0.1:9090")
	def(&o.ChatListen, "127.0.0.1:9091")
	def(&o.SinkID, "loadgen")
	def(&o.SinkSecret, DefaultSinkSecret)
	def(&o.Status, "in_progress")
	if o.Conversations == 0 {
		o.Conversations = 1000
	}
	if o.Rate == 0 {
		o.Rate = 1000
	}
	if o.TicketEvery == 0 {
		o.TicketEvery = 10
	}
	if o.Events == 0 && o.Duration > 0 {
		o.Events = int(o.Rate * o.Duration.Seconds())
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = time.Minute
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.MaxConns == 0 {
		o.MaxConns = 512
	}
	if o.Sink.RetryAfter == 0 {
		o.Sink.RetryAfter = time.Second
	}
}

func (o *Options) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if err := checkTarget(o.Target, o.AllowRemote); err != nil {
		bad("target: %w", err)
	}
	for name, addr := range map[string]string{"sink-listen": o.SinkListen, "chat-listen": o.ChatListen} {
		if err := checkListen(addr); err != nil {
			bad("%s: %w", name, err)
		}
	}
	if o.Format != FormatGeneric && o.Format != FormatSlack {
		bad("format: %q is not generic or slack", o.Format)
	}
	switch {
	case o.Rate <= 0 || o.Rate > 1_000_000:
		bad("rate: must be above 0 and at most 1000000 events/s")
	case o.Events <= 0:
		bad("events: give --events or --duration")
	case o.Events > MaxEvents:
		bad("events: at most %d", MaxEvents)
	case float64(o.Events)/o.Rate > MaxDuration.Seconds():
		bad("events/rate: a run may offer load for at most %s", MaxDuration)
	}
	if o.Conversations < 1 {
		bad("conversations: must be at least 1")
	}
	if o.DrainTimeout < 0 || o.DrainTimeout > MaxDrainTimeout {
		bad("drain-timeout: between 0 and %s", MaxDrainTimeout)
	}
	p := o.Sink
	if p.Errors < 0 || p.TooMany < 0 || p.Errors+p.TooMany > 1 {
		bad("sink-errors + sink-429: ratios between 0 and 1")
	}
	if p.Latency < 0 || p.Latency > time.Minute {
		bad("sink-latency: between 0 and 1m")
	}
	return errors.Join(errs...)
}

// checkTarget refuses anything but http(s) to a loopback host unless
// remote targets are allowed.
func checkTarget(target string, allowRemote bool) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http or https base URL")
	}
	if allowRemote || isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address (pass --allow-remote to load another machine)", u.Hostname())
}

// checkListen insists the fakes listen on loopback only.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("not host:port: %w", err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q: not a port number", port)
	}
	if !isLoopback(host) {
		return fmt.Errorf("%s is not a loopback address", host)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
