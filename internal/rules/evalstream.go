package rules

import (
	"bufio"
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
	Role         string `json:"role,omitempty"`
	Source       string `json:"source,omitempty"`
	Kind         string `json:"kind,omitempty"`
	Command      string `json:"command,omitempty"`
	Action       string `json:"action,omitempty"`
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
}

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
	if len(e.set().routes) == 0 {
		return errors.New("no routes")
	}
	defSource := ""
	if s := e.set().routes[0].Config.Sources; len(s) > 0 {
		defSource = s[0]
	}
	states := map[string]*State{}
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
		res, err := evalLine(e, line, n, defSource, states, now())
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

func evalLine(e *Engine, line string, n int, defSource string, states map[string]*State, now time.Time) (EvalResult, error) {
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
	st := states[key]
	if st == nil {
		st = &State{Links: map[string]LinkState{}, Proposals: map[string]ProposalState{}}
		states[key] = st
	}
	st.Now = now
	ds := e.Evaluate(ev, *st)
	for _, d := range ds {
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
	return EvalResult{Decision: pick.Kind, Route: pick.Route, Rule: pick.Rule, Category: pick.Category,
		Reason: pick.Reason, Proposal: pick.Proposal, DryRun: pick.DryRun}, nil
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
		Sender:       core.Sender{ID: in.Sender, Name: in.Sender, Role: role},
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
