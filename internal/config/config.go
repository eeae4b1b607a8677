package config

import (
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Config is the whole configuration. Load fills defaults; Validate checks it.
type Config struct {
	Server  Server  `yaml:"server"`
	Storage Storage `yaml:"storage"`
	Admin   Admin   `yaml:"admin"`
	Log     Log     `yaml:"log"`
	Jobs    Jobs    `yaml:"jobs"`
	Blob    Blob    `yaml:"blob"`
	// Security holds the inbound and outbound network rules, encryption
	// at rest, retention and redaction.
	Security Security `yaml:"security"`
	// SMTP is the mail server for e-mail fallback channels.
	SMTP    SMTP        `yaml:"smtp"`
	Sources []Connector `yaml:"sources"`
	Sinks   []Connector `yaml:"sinks"`
	Routes  []Route     `yaml:"routes"`

	// File is the path the configuration came from ("" for the built-in
	// default); doc lets problems found after loading point at a line.
	File string `yaml:"-"`
	doc  *document
}

// Server is the HTTP listener.
type Server struct {
	Listen string `yaml:"listen"` // default 127.0.0.1:8080
	// PublicURL is how platforms reach us; used in links we hand out.
	PublicURL    string `yaml:"public_url"`
	MaxBodyBytes int64  `yaml:"max_body_bytes"` // default 1 MiB
	// MaxConcurrentBodies bounds the webhook bodies read at once (default
	// 64); a request over it gets 503 with Retry-After before its body is
	// read, so memory stays under this times max_body_bytes.
	MaxConcurrentBodies int `yaml:"max_concurrent_bodies"`
	// TLS serves HTTPS with this certificate and key (PEM files), reloaded
	// when the files change.
	TLS TLS `yaml:"tls"`
}

// TLS names a certificate and its key.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Storage selects the database.
type Storage struct {
	Driver string `yaml:"driver"` // sqlite (default) or postgres
	// DSN is a file path for sqlite (default ./data/ticketbridge.db) or a
	// PostgreSQL connection string.
	DSN string `yaml:"dsn"`
	// Schema is the PostgreSQL schema to use (default: the search_path's).
	Schema string `yaml:"schema"`
}

// Admin holds the bearer tokens of the admin API.
type Admin struct {
	Tokens []Token `yaml:"tokens"`
}

// Token is one admin API bearer token and what it may do.
type Token struct {
	Name  string `yaml:"name"`
	Token string `yaml:"token"` // a secret: ${ENV} or ${file:PATH}
	// TokenSHA256 is the hex SHA-256 of the token, for configs that should
	// not hold the token itself; give it or Token.
	TokenSHA256 string   `yaml:"token_sha256"`
	Scopes      []string `yaml:"scopes"` // read, operate, admin; agent (web console desk only)
}

// Security gathers the settings that protect what ticketbridge takes in,
// keeps and sends out.
type Security struct {
	// Allow lists, per webhook path ("im/<source id>", "tickets/<sink
	// id>"), the client networks (CIDRs) allowed to call it; a path not
	// listed takes any client.
	Allow map[string][]string `yaml:"allow"`
	// TrustedProxies are the proxies (CIDRs) whose X-Forwarded-For names
	// the real client; from anyone else the header is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AllowOutbound lists private, loopback or link-local networks (CIDRs)
	// that connectors may call anyway; all other such addresses are
	// refused, so a configured URL cannot reach internal services.
	AllowOutbound []string `yaml:"allow_outbound"`
	// Encryption of stored message bodies and raw payloads.
	Encryption Encryption `yaml:"encryption"`
	// Retention purges message bodies and attachments.
	Retention Retention `yaml:"retention"`
	// Redact masks personal data in what goes to sinks and to the logs.
	Redact Redact `yaml:"redact"`
}

// Encryption is the key ring for data at rest (AES-256-GCM). New data is
// sealed with Active; older keys stay to open what they sealed.
type Encryption struct {
	Active string          `yaml:"active"`
	Keys   []EncryptionKey `yaml:"keys"`
}

// EncryptionKey is one key of the ring.
type EncryptionKey struct {
	ID     string `yaml:"id"`
	Secret string `yaml:"secret"` // base64 of 32 random bytes; a secret
}

// Retention says how long message bodies and attachments are kept.
type Retention struct {
	// Days applies to every source without its own entry (0 keeps all).
	Days    int            `yaml:"days"`
	Sources map[string]int `yaml:"sources"` // source id → days
}

// Redact configures PII masking.
type Redact struct {
	// Mode for what goes to sinks: partial (default), full, drop, none.
	Mode string `yaml:"mode"`
	// Kinds overrides the mode per kind (phone, id_card, bank_card,
	// email, landline, intl_phone, custom).
	Kinds map[string]string `yaml:"kinds"`
	// Custom patterns, each a name and a regular expression.
	Custom []RedactPattern `yaml:"custom"`
	// Logs masks log lines fully (default true).
	Logs *bool `yaml:"logs"`
}

// RedactPattern is a custom pattern to mask.
type RedactPattern struct {
	Name    string `yaml:"name"`
	Pattern string `yaml:"pattern"`
}

// Log configures slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // json (default) or text
}

// Jobs tunes the River job queue.
type Jobs struct {
	Workers     int           `yaml:"workers"`      // default 20
	MaxAttempts int           `yaml:"max_attempts"` // default 10
	JobTimeout  time.Duration `yaml:"job_timeout"`  // default 1m
	// RescueAfter is when a running job whose worker vanished is retried.
	RescueAfter time.Duration `yaml:"rescue_after"` // default 5m
	// Partitions is how many processing queues run side by side; a
	// conversation always lands in the same one (default 4). Raise it
	// freely; after lowering it, jobs already queued in the dropped
	// partitions wait until it is raised again.
	Partitions int `yaml:"partitions"`
	// MaxLag is how far processing may fall behind ingest (the age of the
	// oldest unprocessed event) before webhooks are answered 429 with
	// Retry-After, so platforms resend later instead of queueing work we
	// cannot do in time (default 30s).
	MaxLag time.Duration `yaml:"max_lag"`
	// PauseAfter consecutive transient failures of a sink pause it: its
	// jobs wait without spending attempts while one probe call goes out
	// every ProbeEvery; a success resumes it (default 5, 0 = never pause).
	PauseAfter *int          `yaml:"pause_after"`
	ProbeEvery time.Duration `yaml:"probe_every"` // default 30s
}

// Blob configures where attachments are kept on their way to tickets.
type Blob struct {
	// Driver is fs (default) or s3.
	Driver string `yaml:"driver"`
	// S3 is the S3-compatible store, with driver s3.
	S3 BlobS3 `yaml:"s3"`
	// Dir is the filesystem store's directory (default ./data/blobs, or
	// blobs beside the SQLite file).
	Dir string `yaml:"dir"`
	// MaxBytes refuses larger attachments (default 25 MiB).
	MaxBytes int64 `yaml:"max_bytes"`
	// AllowedTypes are MIME types or type/* wildcards, checked against the
	// type sniffed from the bytes (default: images, audio, video, PDF,
	// plain text, CSV, JSON).
	AllowedTypes []string `yaml:"allowed_types"`
	// LinkSecret signs the expiring links given to tickets whose system
	// cannot take the file (a secret; default: random at each start, so
	// links die with the process — set it when running several replicas).
	LinkSecret string `yaml:"link_secret"`
	// LinkTTL is how long such a link works (default 168h).
	LinkTTL time.Duration `yaml:"link_ttl"`
}

// BlobS3 is an S3-compatible bucket for attachments.
type BlobS3 struct {
	// Endpoint is host[:port], or a URL whose scheme decides TLS.
	Endpoint  string `yaml:"endpoint"`
	Bucket    string `yaml:"bucket"`
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"` // a secret
	UseSSL    bool   `yaml:"use_ssl"`
	Prefix    string `yaml:"prefix"`
	// PartSize is the multipart part size in bytes (default 16 MiB).
	PartSize int64 `yaml:"part_size"`
}

// Connector is one configured source or sink. ID and Type are common; the
// rest of the mapping belongs to the connector, which reads it with Decode
// into its own struct.
type Connector struct {
	ID   string `yaml:"id"`
	Type string `yaml:"type"`

	field string // e.g. "sources[0]", for problems
	cfg   *Config
	// node is the entry's mapping as loaded (after interpolation); nil for
	// entries built in Go. set holds values given with Set, which win.
	node ast.Node
	set  map[string]any
}

// Route binds sources to one sink with a trigger, a mapping, a status map
// and notification templates.
type Route struct {
	Name    string   `yaml:"name"`
	Sources []string `yaml:"sources"`
	Sink    string   `yaml:"sink"`
	Mode    string   `yaml:"mode"` // live (default) or dry_run
	// Rollout is the percentage of conversations the route acts on,
	// chosen stably by a hash of the conversation (default 100).
	Rollout   *int              `yaml:"rollout"`
	Trigger   Trigger           `yaml:"trigger"`
	Mapping   Mapping           `yaml:"mapping"`
	StatusMap map[string]string `yaml:"status_map"`
	Notify    Notify            `yaml:"notify"`
	// Redact overrides security.redact's mode for this route, per ticket
	// field (title, description, requester, labels, custom, comments):
	// partial, full, drop or none.
	Redact map[string]string `yaml:"redact"`
	// MaxAttachmentBytes lowers blob.max_bytes for this route's tickets.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// Fallback channels take, in order, the messages a conversation
	// cannot (a permanent post failure, an expired DingTalk session, a
	// user who left).
	Fallback []Fallback `yaml:"fallback"`
	// Handover, CSAT and SLA are the service-quality flows (quality.go);
	// nil leaves a flow off for the route.
	Handover *Handover `yaml:"handover"`
	CSAT     *CSAT     `yaml:"csat"`
	SLA      *SLA      `yaml:"sla"`
}

// Fallback is one fallback channel: a group robot of WeCom, DingTalk or
// Feishu, or e-mail.
type Fallback struct {
	Type    string   `yaml:"type"` // wecom_robot, dingtalk_robot, feishu_bot, email
	Name    string   `yaml:"name"`
	Webhook string   `yaml:"webhook"` // a secret: the robots' URL carries their key
	Secret  string   `yaml:"secret"`  // signing secret (DingTalk SEC…, Feishu)
	To      []string `yaml:"to"`      // e-mail recipients
	Subject string   `yaml:"subject"`
}

// SMTP is a mail server.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"` // default by TLS: 587, 465 (tls), 25 (none)
	Username string `yaml:"username"`
	Password string `yaml:"password"` // a secret
	From     string `yaml:"from"`
	TLS      string `yaml:"tls"` // starttls (default), tls, none
}

// Trigger says which events open a ticket on a route.
type Trigger struct {
	// RulePack names a built-in rule pack ("default"); its rules run
	// beside Keywords.
	RulePack string `yaml:"rule_pack"`
	// Keywords fire the trigger; Negations veto it when they appear in
	// the same message ("no need to refund").
	Keywords  []string `yaml:"keywords"`
	Negations []string `yaml:"negations"`
	// Confirm makes a keyword match propose instead of create; the
	// customer's yes within ConfirmTimeout creates the ticket.
	Confirm        bool          `yaml:"confirm"`
	ConfirmTimeout time.Duration `yaml:"confirm_timeout"` // default 10m
	// Command is the text command ("ticket" matches "/ticket …") and the
	// command event name that create a ticket at once. Default "ticket".
	Command string `yaml:"command"`
	// Reaction is an emoji name (without colons, e.g. "ticket") whose
	// reaction on a message creates a ticket about that message.
	Reaction string `yaml:"reaction"`
	// Sentiment opens (or proposes) a ticket for a customer message whose
	// sentiment score is at or below the threshold.
	Sentiment *SentimentTrigger `yaml:"sentiment"`
	// CallEnded turns a finished voice or video call into a ticket when
	// one of its conditions holds.
	CallEnded *CallTrigger `yaml:"call_ended"`
	// EscalateAfter opens a ticket for a conversation that has none this
	// long after its first customer message (0 = off).
	EscalateAfter time.Duration `yaml:"escalate_after"`
	// Live opens a ticket for a burst of audience complaints in a live
	// stream; later bursts are appended to it.
	Live *LiveTrigger `yaml:"live"`
	// Roles limits keyword triggers to senders of these roles (default
	// customer).
	Roles []string `yaml:"roles"`
	// Detector chooses what finds problems in messages: "keywords" (the
	// keywords and the rule pack; the default), "model" (the built-in
	// intent model, with the rule pack's guards) or "both".
	Detector string `yaml:"detector"`
	// Threshold is the model's probability (0–1) at or above which a
	// message is a problem; default 0.7.
	Threshold float64 `yaml:"threshold"`
	// BareThreshold is the probability the model needs on a bare
	// message, one that names no trouble (no fault, loss, money, anger,
	// negation, repetition or request word and no rule-pack pattern):
	// such messages are mostly small talk. Default 0.9; set it equal to
	// Threshold to treat every message alike.
	BareThreshold float64 `yaml:"bare_threshold"`
	// SmallTalkVeto is the small-talk model's probability (that a
	// message is a report rather than small talk) under which the
	// model's or the rule pack's proposal is dropped. Default 0.7; a
	// value near 0 (0.0001) turns the veto off.
	SmallTalkVeto float64 `yaml:"small_talk_veto"`
	// Judge asks an LLM about the messages the model is unsure of.
	Judge *Judge `yaml:"judge"`
}

// Judge is an OpenAI-compatible chat-completions endpoint (vLLM, Ollama,
// DeepSeek, Qwen, …) asked whether a message reports a problem when the
// intent model's probability is within Band of the threshold.
type Judge struct {
	// URL is the API's base URL, e.g. http://localhost:11434/v1; the
	// request goes to URL + "/chat/completions".
	URL    string `yaml:"url"`
	Model  string `yaml:"model"`
	APIKey string `yaml:"api_key"` // a secret; sent as a Bearer token
	// Timeout bounds one question; the local decision stands when it
	// passes. Default 3s.
	Timeout time.Duration `yaml:"timeout"`
	// PerMinute is the most questions asked in a minute; beyond it the
	// local decision stands. Default 60.
	PerMinute int `yaml:"per_minute"`
	// Band is how far from the threshold a probability still counts as
	// unsure, and how far from small_talk_veto the small-talk model's
	// score on a proposal; default 0.25.
	Band float64 `yaml:"band"`
}

// SentimentTrigger fires on negative messages.
type SentimentTrigger struct {
	// Threshold is a score from -1 (furious) to 0 (neutral); default -0.5.
	Threshold float64 `yaml:"threshold"`
}

// CallTrigger says which finished calls become tickets: any call when
// Always, otherwise those meeting one condition.
type CallTrigger struct {
	Always bool `yaml:"always"`
	// MinDuration: calls at least this long.
	MinDuration time.Duration `yaml:"min_duration"`
	// AbnormalLeaves: calls with at least this many timeouts, kicks or
	// server-side drops.
	AbnormalLeaves int `yaml:"abnormal_leaves"`
	// Keywords: calls whose transcript mentions one of these.
	Keywords []string `yaml:"keywords"`
}

// LiveTrigger configures live-stream complaint bursts.
type LiveTrigger struct {
	MinViewers int           `yaml:"min_viewers"` // default 5
	Window     time.Duration `yaml:"window"`      // default 60s
	Cooldown   time.Duration `yaml:"cooldown"`    // default 5m
	// Keywords are complaint words beyond the built-in ones.
	Keywords []string `yaml:"keywords"`
}

// Mapping turns an event and its conversation into ticket fields. Every
// string is a Go text/template compiled at load.
type Mapping struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// ContextMessages is how many earlier messages of the conversation
	// the description gets (default 10).
	ContextMessages int               `yaml:"context_messages"`
	Priority        Priority          `yaml:"priority"`
	Requester       RequesterMapping  `yaml:"requester"`
	Labels          []string          `yaml:"labels"`
	Custom          map[string]string `yaml:"custom"`
}

// Priority picks the ticket priority: the first matching rule wins.
type Priority struct {
	Default string         `yaml:"default"` // default "normal"
	Rules   []PriorityRule `yaml:"rules"`
}

// PriorityRule sets Priority when any keyword appears in the triggering
// message, or the rule pack category matches.
type PriorityRule struct {
	Keywords []string `yaml:"keywords"`
	Category string   `yaml:"category"`
	Priority string   `yaml:"priority"`
}

// RequesterMapping fills the requester from templates.
type RequesterMapping struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
}

// Notify holds the chat messages' templates.
type Notify struct {
	Propose string `yaml:"propose"`
	Created string `yaml:"created"`
	Status  string `yaml:"status"`
	Comment string `yaml:"comment"`
	DryRun  string `yaml:"dry_run"`
}
