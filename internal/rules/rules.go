// Package rules decides what a chat event means for each route (nothing,
// propose a ticket, create one, append to the linked one), turns an event
// and its conversation into a ticket draft, renders chat notifications and
// maps ticket statuses to chat states.
//
// Everything here is pure and deterministic: no I/O and no clock reads.
// Time comes in through State and the inputs, so the server, `ticketbridge
// rules eval` and the console's test bench give the same answers.
package rules

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Kind is what a route should do about an event.
type Kind string

const (
	KindNone    Kind = "none"
	KindPropose Kind = "propose"
	KindCreate  Kind = "create"
	KindAppend  Kind = "append"
	// KindClose asks the sink to resolve the conversation's ticket
	// ("/ticket close").
	KindClose Kind = "close"
)

// Rule names reported in Decision.Rule besides "pack:<category>".
const (
	RuleCommand  = "command"
	RuleReaction = "reaction"
	RuleKeyword  = "keyword"
	RuleConfirm  = "confirm"
	RuleAPI      = "api"
	RuleFollowUp = "follow_up"
)

// Answers to a pending proposal, reported in Decision.Proposal.
const (
	ProposalAccepted = "accepted"
	ProposalRejected = "rejected"
	ProposalExpired  = "expired"
)

// Route modes.
const (
	ModeLive   = "live"
	ModeDryRun = "dry_run"
)

// Defaults applied when a decoded route leaves a field empty. The config
// loader sets the same values; repeating them keeps the engine safe to use
// on routes built by hand (tests, the console's bench).
const (
	DefaultCommand         = "ticket"
	DefaultConfirmTimeout  = 10 * time.Minute
	DefaultContextMessages = 10
	DefaultPriority        = "normal"
)

// FieldError is one problem found while compiling routes. Field is the
// config path ("routes[0].mapping.title") so the loader can add the line.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (f FieldError) Error() string { return f.Field + ": " + f.Message }

// Decision is what one route should do about one event.
type Decision struct {
	Route    string `json:"route"`
	Rule     string `json:"rule"`
	Kind     Kind   `json:"decision"`
	Category string `json:"category,omitempty"`
	// Reason says why in plain words, for none too ("negated", "bot").
	Reason string `json:"reason,omitempty"`
	// Proposal is accepted, rejected or expired when the event answered
	// a pending proposal.
	Proposal string `json:"proposal,omitempty"`
	DryRun   bool   `json:"dry_run,omitempty"`
	// Score is the intent model's probability when the model decided.
	Score float64 `json:"score,omitempty"`
	// Unsure, when set, says the model was near the threshold on a route
	// with a judge, and gives the kind to take if the judge disagrees
	// with the model (internal/judge settles it).
	Unsure Kind `json:"unsure,omitempty"`
	unsure bool
}

// State is what the caller knows about the event's conversation.
type State struct {
	Now time.Time
	// Links holds the conversation's open link per route name.
	Links map[string]LinkState
	// Proposals holds the conversation's pending proposal per route name.
	Proposals map[string]ProposalState
}

// LinkState is the conversation's open link on one route.
type LinkState struct{ TicketKey, State string }

// ProposalState is a proposal waiting for the conversation's yes or no.
type ProposalState struct {
	Rule, Category string
	ExpiresAt      time.Time
}

// Engine holds compiled routes and is safe for concurrent use. Its routes
// change only as a whole (Replace, SetOverrides): each call reads one
// consistent set, so a reload never shows a caller half of two configs.
type Engine struct {
	cur atomic.Pointer[routeSet]

	// mu orders the writers; base is the set as compiled from the config
	// and over the runtime overrides laid on it to make cur.
	mu   sync.Mutex
	base *routeSet
	over map[string]Override
}

// routeSet is one immutable set of compiled routes.
type routeSet struct {
	routes []*Route
	byName map[string]*Route
}

func (e *Engine) set() *routeSet { return e.cur.Load() }

// Override is a route's rollout and mode changed at runtime (from the
// console); it wins over the config file until it is cleared.
type Override struct {
	Rollout int
	DryRun  bool
}

// SetOverrides lays overrides (by route name) on the configured routes;
// routes not named run as configured, names of unknown routes are ignored.
func (e *Engine) SetOverrides(over map[string]Override) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.over = maps.Clone(over)
	e.cur.Store(e.base.with(e.over))
}

// Replace makes other's routes this engine's configured routes, keeping
// the overrides; other is left as it was.
func (e *Engine) Replace(other *Engine) {
	e.mu.Lock()
	defer e.mu.Unlock()
	other.mu.Lock()
	e.base = other.base
	other.mu.Unlock()
	e.cur.Store(e.base.with(e.over))
}

// Configured returns the route by name as the config file has it, without
// any override.
func (e *Engine) Configured(name string) (*Route, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.base.byName[name]
	return r, ok
}

// with returns the set with overrides applied to copies of its routes.
func (s *routeSet) with(over map[string]Override) *routeSet {
	if len(over) == 0 {
		return s
	}
	out := &routeSet{byName: make(map[string]*Route, len(s.routes))}
	for _, r := range s.routes {
		if o, ok := over[r.Config.Name]; ok {
			c := *r
			c.rollout, c.dryRun = o.Rollout, o.DryRun
			c.overridden = true
			c.Config.Rollout = &c.rollout
			c.Config.Mode = ModeLive
			if o.DryRun {
				c.Config.Mode = ModeDryRun
			}
			r = &c
		}
		out.routes = append(out.routes, r)
		out.byName[r.Config.Name] = r
	}
	return out
}

// Route is one compiled route.
type Route struct {
	// Config is the route as configured (read it, do not change it).
	Config config.Route

	index   int
	rollout int
	dryRun  bool
	// overridden says rollout and dryRun come from a runtime override.
	overridden bool
	command    string
	roles      map[core.Role]bool
	// detector, threshold and band drive the intent model; judge says
	// the route has an LLM judge for unsure messages.
	detector  string
	threshold float64
	bare      float64 // threshold for a message naming no trouble
	smallTalk float64 // the small-talk model's veto
	band      float64
	judge     bool
	keywords  []matcher
	negation  []matcher
	pack      *pack
	timeout   time.Duration
	context   int
	priority  []priorityRule
	prioDef   string
	statuses  map[string]string

	title, description *template.Template
	reqName, reqEmail  *template.Template
	labels             []*template.Template
	custom             map[string]*template.Template
	notify             map[string]*template.Template
}

type priorityRule struct {
	keywords []matcher
	category string
	priority string
}

// Name is the route's name.
func (r *Route) Name() string { return r.Config.Name }

// DryRun reports whether the route only says what it would do.
func (r *Route) DryRun() bool { return r.dryRun }

// Rollout is the percentage of conversations the route acts on.
func (r *Route) Rollout() int { return r.rollout }

// Overridden reports whether Rollout and DryRun come from a runtime
// override rather than the config file.
func (r *Route) Overridden() bool { return r.overridden }

// ConfirmTimeout is how long a proposal waits for an answer.
func (r *Route) ConfirmTimeout() time.Duration { return r.timeout }

// Serves reports whether the route listens to the source.
func (r *Route) Serves(source string) bool {
	for _, s := range r.Config.Sources {
		if s == source {
			return true
		}
	}
	return false
}

// Route returns a compiled route by name.
func (e *Engine) Route(name string) (*Route, bool) {
	r, ok := e.set().byName[name]
	return r, ok
}

// Routes returns the compiled routes in configuration order.
func (e *Engine) Routes() []*Route { return append([]*Route(nil), e.set().routes...) }

// Compile builds the engine from decoded, defaulted routes. It reports
// every problem it finds, each with its field path; the engine is nil when
// there is any.
func Compile(routes []config.Route) (*Engine, []FieldError) {
	e := &routeSet{byName: make(map[string]*Route, len(routes))}
	var errs []FieldError
	for i, rc := range routes {
		c := &compiler{path: fmt.Sprintf("routes[%d]", i)}
		r := c.route(i, rc)
		if rc.Name == "" {
			c.fail("name", "must not be empty")
		} else if _, dup := e.byName[rc.Name]; dup {
			c.fail("name", fmt.Sprintf("duplicate route name %q", rc.Name))
		} else {
			e.byName[rc.Name] = r
		}
		e.routes = append(e.routes, r)
		errs = append(errs, c.errs...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	eng := &Engine{base: e}
	eng.cur.Store(e)
	return eng, nil
}

// compiler collects the problems of one route.
type compiler struct {
	path string
	errs []FieldError
}

func (c *compiler) fail(field, msg string) {
	c.errs = append(c.errs, FieldError{Field: c.path + "." + field, Message: msg})
}

func (c *compiler) route(i int, rc config.Route) *Route {
	r := &Route{Config: rc, index: i, rollout: 100, command: DefaultCommand,
		timeout: DefaultConfirmTimeout, context: DefaultContextMessages, prioDef: DefaultPriority}

	switch rc.Mode {
	case "", ModeLive:
	case ModeDryRun:
		r.dryRun = true
	default:
		c.fail("mode", fmt.Sprintf("unknown mode %q (want live or dry_run)", rc.Mode))
	}
	if rc.Rollout != nil {
		r.rollout = *rc.Rollout
		if r.rollout < 0 || r.rollout > 100 {
			c.fail("rollout", fmt.Sprintf("must be between 0 and 100, got %d", r.rollout))
		}
	}
	if len(rc.Sources) == 0 {
		c.fail("sources", "must name at least one source")
	}
	c.trigger(r, rc.Trigger)
	c.mapping(r, rc.Mapping)
	c.statusMap(r, rc.StatusMap)
	c.notify(r, rc.Notify)
	return r
}

func (c *compiler) trigger(r *Route, t config.Trigger) {
	if t.Command != "" {
		r.command = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t.Command), "/"))
		if r.command == "" || strings.ContainsAny(r.command, " \t\n") {
			c.fail("trigger.command", fmt.Sprintf("%q is not a single word", t.Command))
		}
	}
	if t.ConfirmTimeout > 0 {
		r.timeout = t.ConfirmTimeout
	} else if t.ConfirmTimeout < 0 {
		c.fail("trigger.confirm_timeout", "must not be negative")
	}
	switch t.RulePack {
	case "":
	case "default":
		r.pack = defaultPack()
	default:
		c.fail("trigger.rule_pack", fmt.Sprintf("unknown rule pack %q (known: default)", t.RulePack))
	}
	c.detector(r, t)
	r.keywords = c.matchers("trigger.keywords", t.Keywords)
	r.negation = c.matchers("trigger.negations", t.Negations)

	r.roles = map[core.Role]bool{}
	roles := t.Roles
	if len(roles) == 0 {
		roles = []string{string(core.RoleCustomer)}
	}
	for j, role := range roles {
		switch core.Role(role) {
		case core.RoleCustomer, core.RoleAgent:
			r.roles[core.Role(role)] = true
		default:
			c.fail(fmt.Sprintf("trigger.roles[%d]", j), fmt.Sprintf("unknown role %q (want customer or agent)", role))
		}
	}
}

func (c *compiler) matchers(field string, words []string) []matcher {
	var ms []matcher
	for j, w := range words {
		m, err := newMatcher(w)
		if err != nil {
			c.fail(fmt.Sprintf("%s[%d]", field, j), err.Error())
			continue
		}
		ms = append(ms, m)
	}
	return ms
}

func (c *compiler) statusMap(r *Route, m map[string]string) {
	r.statuses = make(map[string]string, len(m))
	for k, v := range m {
		if !isChatState(v) {
			c.fail("status_map."+k, fmt.Sprintf("unknown chat state %q (want one of %s)", v, strings.Join(core.ChatStates, ", ")))
			continue
		}
		r.statuses[normStatus(k)] = v
	}
}

func isChatState(s string) bool {
	for _, st := range core.ChatStates {
		if s == st {
			return true
		}
	}
	return false
}
