package rules

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// EvalLine is one input line of EvalStream.
type EvalLine struct {
	Text         string `json:"text"`
	Conversation string `json:"conversation"`
	Sender       string `json:"sender"`
	// Name is the sender's display name (default: Sender).
	Name    string `json:"name,omitempty"`
	Role    string `json:"role,omitempty"`
	Source  string `json:"source,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Command string `json:"command,omitempty"`
	Action  string `json:"action,omitempty"`
}

// EvalResult is one output line of EvalStream. Category and Reason are
// always present so columns line up. A line that could not be read gives
// {"error": …} instead.
type EvalResult struct {
	Decision Kind   `json:"decision"`
	Route    string `json:"route,omitempty"`
	Rule     string `json:"rule"`
	Category string `json:"category"`
	Reason   string `json:"reason"`
	Proposal string `json:"proposal,omitempty"`
	DryRun   bool   `json:"dry_run,omitempty"`
	// Ticket is the ticket a create would open, mapped by the route's
	// templates as the server maps it (EvalOptions.Preview).
	Ticket *core.TicketDraft `json:"ticket,omitempty"`
}

// EvalOptions tune EvalStreamWith.
type EvalOptions struct {
	Now func() time.Time
	// Preview adds to each create the ticket it would open.
	Preview bool
}

// PreviewExternalID stands for the link id in previewed tickets.
const PreviewExternalID = "tb-preview"

// maxEvalLine bounds one input line (a long transcript pasted in is fine).
const maxEvalLine = 4 << 20

// EvalStream reads JSON lines and writes one JSON line per input line, in
// order (blank lines are skipped). It simulates each conversation's state
// in memory: a propose followed by "yes" creates, a create opens a link
// that later lines append to. Lines without "source" go to the first
// route's first source. When several routes answer, the first non-none
// decision is printed, else the first none. A malformed line gives
// {"error": …} and the stream goes on.
func EvalStream(e *Engine, r io.Reader, w io.Writer, now func() time.Time) error {
	return EvalStreamWith(e, r, w, EvalOptions{Now: now})
}

// EvalStreamWith is EvalStream with options.
func EvalStreamWith(e *Engine, r io.Reader, w io.Writer, opts EvalOptions) error {
	now := opts.Now
	if len(e.set().routes) == 0 {
		return errors.New("no routes")
	}
	defSource := ""
	if s := e.set().routes[0].Config.Sources; len(s) > 0 {
		defSource = s[0]
	}
	states := map[string]*simConv{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxEvalLine)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for sc.Scan() {
		n++ // physical line numbers, so errors point at the input's lines
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var out any
		res, err := evalLine(e, line, n, defSource, states, now(), opts.Preview)
		out = res
		if err != nil {
			out = map[string]string{"error": err.Error()}
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}

// simConv is a conversation as EvalStream simulates it: the rules' state,
// its events so far and the event each pending proposal is about.
type simConv struct {
	State
	events   []core.StoredEvent
	proposed map[string]core.StoredEvent
}

func evalLine(e *Engine, line string, n int, defSource string, states map[string]*simConv, now time.Time, preview bool) (EvalResult, error) {
	var in EvalLine
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return EvalResult{}, fmt.Errorf("line %d: %w", n, err)
	}
	if in.Conversation == "" {
		return EvalResult{}, fmt.Errorf("line %d: conversation is required", n)
	}
	ev, err := in.event(n, defSource, now)
	if err != nil {
		return EvalResult{}, fmt.Errorf("line %d: %w", n, err)
	}
	key := ev.Conversation.Key()
	conv := states[key]
	if conv == nil {
		conv = &simConv{State: State{Links: map[string]LinkState{}, Proposals: map[string]ProposalState{}},
			proposed: map[string]core.StoredEvent{}}
		states[key] = conv
	}
	st := &conv.State
	st.Now = now
	stored := core.StoredEvent{ID: int64(n), Event: ev}
	conv.events = append(conv.events, stored)
	ds := e.Evaluate(ev, *st)
	var ticket *core.TicketDraft
	for _, d := range ds {
		if preview && d.Kind == KindCreate && ticket == nil {
			t, err := conv.preview(e, d, stored)
			if err != nil {
				return EvalResult{}, fmt.Errorf("line %d: route %s: %w", n, d.Route, err)
			}
			ticket = &t
		}
		if d.Kind == KindPropose {
			conv.proposed[d.Route] = stored
		}
		apply(e, st, d, now)
	}
	if len(ds) == 0 {
		return EvalResult{Decision: KindNone, Reason: "no route for source " + ev.Source}, nil
	}
	pick := ds[0]
	for _, d := range ds {
		if d.Kind != KindNone {
			pick = d
			break
		}
	}
	res := EvalResult{Decision: pick.Kind, Route: pick.Route, Rule: pick.Rule, Category: pick.Category,
		Reason: pick.Reason, Proposal: pick.Proposal, DryRun: pick.DryRun}
	if pick.Kind == KindCreate {
		res.Ticket = ticket
	}
	return res, nil
}

// preview maps the ticket d would open as the server's creation does:
// about the proposed message when d accepts a proposal, else about ev,
// with the route's last context_messages events through ev.
func (c *simConv) preview(e *Engine, d Decision, ev core.StoredEvent) (core.TicketDraft, error) {
	about := ev
	if p, ok := c.proposed[d.Route]; ok && d.Proposal == ProposalAccepted {
		about = p
	}
	limit := DefaultContextMessages
	if r, ok := e.Route(d.Route); ok {
		limit = r.context
	}
	recent := c.events
	if limit > 0 && len(recent) > limit {
		recent = recent[len(recent)-limit:]
	}
	dec := Decision{Route: d.Route, Rule: d.Rule, Kind: KindCreate, Category: d.Category}
	return e.Draft(d.Route, MapInput{Event: about, Context: recent, Decision: dec, ExternalID: PreviewExternalID})
}

func (in EvalLine) event(n int, defSource string, now time.Time) (core.Event, error) {
	src := in.Source
	if src == "" {
		src = defSource
	}
	kind := core.EventKind(in.Kind)
	switch kind {
	case "":
		kind = core.KindMessage
	case core.KindMessage, core.KindCommand, core.KindReaction, core.KindCallEnded,
		core.KindLiveFeedback, core.KindConversationEnded:
	default:
		return core.Event{}, fmt.Errorf("unknown kind %q", in.Kind)
	}
	role := core.Role(in.Role)
	switch role {
	case "", core.RoleCustomer, core.RoleAgent, core.RoleBot:
	default:
		return core.Event{}, fmt.Errorf("unknown role %q", in.Role)
	}
	return core.Event{
		Source: src, EventID: "eval-" + strconv.Itoa(n), Kind: kind,
		Conversation: core.ConversationRef{Source: src, Conversation: in.Conversation},
		Sender:       core.Sender{ID: in.Sender, Name: cmp.Or(in.Name, in.Sender), Role: role},
		Time:         now, Text: in.Text, Command: in.Command, Action: in.Action,
	}, nil
}

// apply updates the simulated conversation state as the server would
// after acting on a decision.
func apply(e *Engine, st *State, d Decision, now time.Time) {
	switch {
	case d.Kind == KindCreate:
		delete(st.Proposals, d.Route)
		st.Links[d.Route] = LinkState{TicketKey: fmt.Sprintf("SIM-%d", len(st.Links)+1), State: core.StateOpen}
	case d.Kind == KindPropose:
		timeout := DefaultConfirmTimeout
		if r, ok := e.set().byName[d.Route]; ok {
			timeout = r.timeout
		}
		st.Proposals[d.Route] = ProposalState{Rule: d.Rule, Category: d.Category, ExpiresAt: now.Add(timeout)}
	case d.Proposal != "":
		delete(st.Proposals, d.Route)
	}
}
