package redmine

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// maxSubject is Redmine's limit on an issue subject, in characters.
const maxSubject = 255

// Create makes an issue from the draft, with the external id as the
// description's last line for FindByExternalID.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create issue"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	f := IssueFields{
		ProjectID:   s.s.Project,
		Subject:     sinkhttp.Title(t, maxSubject),
		Description: description(t),
	}
	var err error
	if f.TrackerID, err = s.trackerID(ctx); err != nil {
		return core.TicketRef{}, err
	}
	if name := s.s.PriorityMap[strings.ToLower(t.Priority)]; t.Priority != "" && name != "" {
		if f.PriorityID, err = s.priorityID(ctx, name); err != nil {
			return core.TicketRef{}, err
		}
	}
	f.CustomFields = s.customFields(t)
	var got IssueAnswer
	if err := s.c.JSON(ctx, op, "POST", "/issues.json", IssueWrite{Issue: f}, &got); err != nil {
		return core.TicketRef{}, err
	}
	if got.Issue.ID == 0 {
		// Redmine said yes, so the issue may exist: stay transient and let
		// the retry find it by its marker.
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no issue id"}
	}
	return s.ref(got.Issue), nil
}

func (s *Sink) ref(is Issue) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: strconv.Itoa(is.ID), URL: s.IssueURL(is.ID), Status: is.Status.Name}
}

// description is the draft's text, who asked, and the marker line.
func description(t core.TicketDraft) string {
	var b strings.Builder
	if d := strings.TrimSpace(t.Description); d != "" {
		b.WriteString(d)
		b.WriteString("\n\n")
	}
	if r := requester(t.Requester); r != "" {
		b.WriteString("Requested by " + r + "\n")
	}
	b.WriteString(Marker(t.ExternalID))
	return b.String()
}

func requester(r core.Requester) string {
	switch {
	case r.Name != "" && r.Email != "":
		return r.Name + " <" + r.Email + ">"
	case r.Name != "":
		return r.Name
	}
	return r.Email
}

// Marker is the description line that carries an external id.
func Marker(externalID string) string { return MarkerPrefix + externalID }

// ExternalIDOf reads the external id from a description's marker line.
func ExternalIDOf(desc string) string {
	for _, line := range strings.Split(desc, "\n") {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), MarkerPrefix); ok {
			return strings.TrimSpace(id)
		}
	}
	return ""
}

// customFields puts the draft's custom values under their field ids; a
// key without one is dropped and logged (ValidateMapping reports it).
func (s *Sink) customFields(t core.TicketDraft) []CustomValue {
	var out []CustomValue
	for k, v := range t.Custom {
		id, ok := s.s.CustomFields[k]
		if !ok {
			s.log.Warn("redmine: custom key has no field id", "sink", s.id, "key", k)
			continue
		}
		out = append(out, CustomValue{ID: id, Value: v})
	}
	return out
}

// FindByExternalID searches the project's issues, in every status, whose
// description contains the marker, and adopts only one whose marker line
// is exactly ours (the filter matches substrings).
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	q := url.Values{
		"project_id":  {s.s.Project},
		"status_id":   {"*"},
		"description": {"~" + Marker(externalID)},
		"sort":        {"id"},
		"limit":       {"25"},
	}
	var l IssueList
	if err := s.c.JSON(ctx, "find issue", "GET", "/issues.json?"+q.Encode(), nil, &l); err != nil {
		return core.TicketRef{}, false, err
	}
	for _, is := range l.Issues {
		if ExternalIDOf(is.Description) == externalID {
			return s.ref(is), true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment adds a journal note; an internal comment is a private note.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add note"
	id, err := issueID(op, ref)
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "comment is empty"}
	}
	body := IssueWrite{Issue: IssueFields{Notes: sinkhttp.Marked(c.Body, c.Key, sinkhttp.Visible), PrivateNotes: !c.Public}}
	return s.c.JSON(ctx, op, "PUT", "/issues/"+id+".json", body, nil)
}

// FindComment reads the issue with include=journals (every journal,
// oldest first, private notes included for a user who may see them) and
// looks, newest first, for notes whose marker (the "ref:" line Comment
// adds) starts with prefix. A journal keeps no field of ours, so the key
// travels in the text.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	is, err := s.issue(ctx, ref, "journals")
	if err != nil {
		return "", false, err
	}
	notes := make([]string, len(is.Journals))
	for i, j := range is.Journals {
		notes[len(is.Journals)-1-i] = j.Notes
	}
	key, found := sinkhttp.FindMarked(notes, prefix)
	return key, found, nil
}

// issueID checks that a ref carries a numeric issue id.
func issueID(op string, ref core.TicketRef) (string, error) {
	if _, err := strconv.Atoi(ref.Key); err != nil || ref.Key == "" {
		return "", &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("issue key %q is not a Redmine issue id", ref.Key)}
	}
	return ref.Key, nil
}
