package redmine

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Paging of one Poll; the cursor moves to what was read, so the next Poll
// continues.
const (
	pollPageSize = 100
	maxPollPages = 10
)

// Poll returns the notes, status changes and assignments made since
// cursor (an RFC 3339 time; "" starts now and returns nothing) and the
// new cursor, the last updated_on seen. Issues are listed by updated_on
// in every status (status_id=*: without it Redmine lists open issues
// only, and a closing would never be seen); each changed issue's journals
// are then read. Redmine's times have whole seconds, so the window starts
// at the cursor's second itself and the event ids, one per journal,
// absorb what is read twice.
func (s *Sink) Poll(ctx context.Context, cursor string) ([]core.TicketEvent, string, error) {
	if cursor == "" {
		return nil, s.now().UTC().Truncate(time.Second).Format(time.RFC3339), nil
	}
	since, err := time.Parse(time.RFC3339Nano, cursor)
	if err != nil {
		return nil, "", &core.CallError{Op: "poll", Permanent: true, Message: fmt.Sprintf("cursor %q is not an RFC 3339 time", cursor)}
	}
	since = since.UTC().Truncate(time.Second)
	self, err := s.selfID(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []core.TicketEvent
	last := since
	for page := 0; page < maxPollPages; page++ {
		l, err := s.changed(ctx, since, page*pollPageSize)
		if err != nil {
			if len(out) > 0 {
				break // keep what was read; the next poll resumes from last
			}
			return nil, "", err
		}
		for _, is := range l.Issues {
			evs, err := s.issueEvents(ctx, is, since, self)
			if err != nil {
				if len(out) == 0 {
					return nil, "", err
				}
				return out, last.Format(time.RFC3339), nil
			}
			out = append(out, evs...)
			if at, err := time.Parse(TimeFormat, is.UpdatedOn); err == nil && at.After(last) {
				last = at
			}
		}
		if len(l.Issues) < pollPageSize || (page+1)*pollPageSize >= l.TotalCount {
			break
		}
	}
	return out, last.Format(time.RFC3339), nil
}

// changed lists the project's issues updated at or after since, oldest
// first.
func (s *Sink) changed(ctx context.Context, since time.Time, offset int) (IssueList, error) {
	q := url.Values{
		"project_id": {s.s.Project},
		"status_id":  {"*"},
		"updated_on": {">=" + since.Format(TimeFormat)},
		"sort":       {"updated_on,id"},
		"limit":      {strconv.Itoa(pollPageSize)},
		"offset":     {strconv.Itoa(offset)},
	}
	var l IssueList
	err := s.c.JSON(ctx, "poll", "GET", "/issues.json?"+q.Encode(), nil, &l)
	return l, err
}

// issueEvents reads an issue's journals and turns those made since into
// events.
func (s *Sink) issueEvents(ctx context.Context, listed Issue, since time.Time, self int) ([]core.TicketEvent, error) {
	is, err := s.issue(ctx, core.TicketRef{Key: strconv.Itoa(listed.ID)}, "journals")
	if err != nil {
		return nil, err
	}
	base := core.TicketEvent{Sink: s.id, Ticket: s.ref(is), ExternalID: ExternalIDOf(is.Description)}
	var out []core.TicketEvent
	for _, j := range is.Journals {
		at, err := time.Parse(TimeFormat, j.CreatedOn)
		if err != nil || at.Before(since) {
			continue
		}
		ev := base
		ev.Time = at
		ev.Ours = j.User.ID == self
		prefix := fmt.Sprintf("journal-%d-", j.ID)
		for _, d := range j.Details {
			if d.Property != "attr" {
				continue
			}
			e := ev
			switch d.Name {
			case "status_id":
				e.Kind, e.EventID = core.TicketStatusChanged, prefix+"status"
				e.From, e.To = s.statusName(ctx, d.OldValue), s.statusName(ctx, d.NewValue)
				if e.To == "" {
					e.To = d.NewValue
				}
			case "assigned_to_id":
				e.Kind, e.EventID = core.TicketAssigned, prefix+"assigned"
				e.Assignee = d.NewValue
				if is.AssignedTo != nil && strconv.Itoa(is.AssignedTo.ID) == d.NewValue {
					e.Assignee = is.AssignedTo.Name
				}
			default:
				continue
			}
			out = append(out, e)
		}
		if j.Notes != "" {
			e := ev
			e.Kind, e.EventID = core.TicketCommentAdded, prefix+"notes"
			e.Comment = &core.Comment{Body: j.Notes, Public: !j.PrivateNotes, Author: j.User.Name}
			out = append(out, e)
		}
	}
	return out, nil
}
