package gitlab

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// maxTitle is GitLab's limit on an issue title.
const maxTitle = 255

// Create opens an issue with the draft's text, labels and the hidden
// external id marker.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create issue"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	body := map[string]any{"title": sinkhttp.Title(t, maxTitle), "description": sinkhttp.IssueText(t)}
	if ls := s.labels(t); len(ls) > 0 {
		body["labels"] = strings.Join(ls, ",")
	}
	if s.s.Confidential {
		body["confidential"] = true
	}
	var is Issue
	if err := s.c.JSON(ctx, op, "POST", s.projectPath()+"/issues", body, &is); err != nil {
		return core.TicketRef{}, err
	}
	if is.IID == 0 {
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no issue iid"}
	}
	return s.ref(is), nil
}

func (s *Sink) ref(is Issue) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: strconv.Itoa(is.IID), URL: is.WebURL, Status: is.State}
}

// labels are the configured, the draft's and the priority's labels;
// commas are taken out since GitLab splits the list on them.
func (s *Sink) labels(t core.TicketDraft) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		l = strings.Join(strings.Fields(strings.ReplaceAll(l, ",", " ")), " ")
		if l != "" && !seen[strings.ToLower(l)] {
			seen[strings.ToLower(l)] = true
			out = append(out, l)
		}
	}
	for _, l := range s.s.Labels {
		add(l)
	}
	for _, l := range t.Labels {
		add(l)
	}
	if p, ok := s.s.PriorityLabels[strings.ToLower(t.Priority)]; ok {
		add(p)
	}
	return out
}

// FindByExternalID looks for the marker among the newest 50 issues the
// token's user opened, in any state; the search API is avoided because
// it may lag behind (Elasticsearch indexing).
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	me, err := s.self(ctx)
	if err != nil {
		return core.TicketRef{}, false, err
	}
	q := url.Values{"author_username": {me}, "order_by": {"created_at"}, "sort": {"desc"}, "per_page": {"50"}, "scope": {"all"}}
	var list []Issue
	if err := s.c.JSON(ctx, "find issue", "GET", s.projectPath()+"/issues?"+q.Encode(), nil, &list); err != nil {
		return core.TicketRef{}, false, err
	}
	for _, is := range list {
		if sinkhttp.ExternalIDOf(is.Description) == externalID {
			return s.ref(is), true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment adds a note, internal (visible to project members only) when
// the comment is not public. Every note ends with NoteMarker.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add note"
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "comment is empty"}
	}
	return s.note(ctx, op, ref, c.Body, c.Key, !c.Public)
}

// note posts text ending with the hidden marker of key (when set) and
// NoteMarker.
func (s *Sink) note(ctx context.Context, op string, ref core.TicketRef, text, key string, internal bool) error {
	iid, err := issueIID(op, ref)
	if err != nil {
		return err
	}
	body := map[string]any{"body": sinkhttp.Marked(text, key, sinkhttp.Hidden) + "\n\n" + NoteMarker}
	if internal {
		body["internal"] = true
	}
	return s.c.JSON(ctx, op, "POST", s.projectPath()+"/issues/"+iid+"/notes", body, nil)
}

// findNoteLimit bounds the notes FindComment reads: one page of the
// newest, where a retried append's earlier note is.
const findNoteLimit = 100

// FindComment looks among the issue's newest notes (sort=desc by
// created_at, system notes included) for one whose hidden marker
// (<!-- ticketbridge:KEY -->) starts with prefix.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find note"
	iid, err := issueIID(op, ref)
	if err != nil {
		return "", false, err
	}
	q := url.Values{"sort": {"desc"}, "order_by": {"created_at"}, "per_page": {strconv.Itoa(findNoteLimit)}}
	var notes []Note
	if err := s.c.JSON(ctx, op, "GET", s.projectPath()+"/issues/"+iid+"/notes?"+q.Encode(), nil, &notes); err != nil {
		return "", false, err
	}
	bodies := make([]string, len(notes))
	for i, n := range notes {
		bodies[i] = n.Body
	}
	key, found := sinkhttp.FindMarked(bodies, prefix)
	return key, found, nil
}

func issueIID(op string, ref core.TicketRef) (string, error) {
	if n, err := strconv.Atoi(ref.Key); err != nil || n <= 0 {
		return "", &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("issue key %q is not an issue iid", ref.Key)}
	}
	return ref.Key, nil
}

// Status reads the issue's state, "opened" or "closed".
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	iid, err := issueIID("read issue", ref)
	if err != nil {
		return "", err
	}
	var is Issue
	err = s.c.JSON(ctx, "read issue", "GET", s.projectPath()+"/issues/"+iid, nil, &is)
	return is.State, err
}

// Transition closes (resolved, closed) or reopens (open) the issue and
// checks the answer's state; other states do not exist in GitLab issues.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "change state"
	iid, err := issueIID(op, ref)
	if err != nil {
		return err
	}
	event, want := "", ""
	switch state {
	case core.StateResolved, core.StateClosed:
		event, want = "close", "closed"
	case core.StateOpen:
		event, want = "reopen", "opened"
	default:
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("GitLab issues are only opened or closed, not %s", state)}
	}
	var is Issue
	if err := s.c.JSON(ctx, op, "PUT", s.projectPath()+"/issues/"+iid, map[string]string{"state_event": event}, &is); err != nil {
		return err
	}
	if is.State != want {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("issue #%s stayed %s", iid, is.State)}
	}
	return nil
}

// self is the token's username, read once.
func (s *Sink) self(ctx context.Context) (string, error) {
	s.mu.Lock()
	name := s.username
	s.mu.Unlock()
	if name != "" {
		return name, nil
	}
	var u User
	if err := s.c.JSON(ctx, "read user", "GET", "/user", nil, &u); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.username = u.Username
	s.mu.Unlock()
	return u.Username, nil
}

func (s *Sink) knownUsername() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.username
}
