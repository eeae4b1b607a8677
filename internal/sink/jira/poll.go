package jira

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// maxPollPages bounds one Poll; the cursor moves to what was read, so
// the next Poll continues.
const maxPollPages = 10

// zoneMargin widens the JQL window when the user's time zone is unknown:
// JQL reads dates in the user's zone, which is at most 14 hours off UTC.
const zoneMargin = 15 * time.Hour

// pollZone is the time zone JQL dates are read in (the API user's).
type pollZone struct {
	mu  sync.Mutex
	loc *time.Location
}

// Poll returns the status changes, assignments and comments made since
// cursor (an RFC 3339 time; "" starts now and returns nothing), read from
// the issues' changelogs and comments, and the new cursor: the last
// "updated" time seen. Run it or webhooks, not both: their event ids
// differ, so the same change would be told twice.
func (s *Sink) Poll(ctx context.Context, cursor string) ([]core.TicketEvent, string, error) {
	if cursor == "" {
		return nil, s.now().UTC().Format(time.RFC3339Nano), nil
	}
	since, err := time.Parse(time.RFC3339Nano, cursor)
	if err != nil {
		return nil, "", &core.CallError{Op: "poll", Permanent: true, Message: fmt.Sprintf("cursor %q is not an RFC 3339 time", cursor)}
	}
	loc, margin := s.jqlZone(ctx)
	from := since.Add(-margin).In(loc).Format("2006-01-02 15:04")
	req := SearchRequest{
		JQL:        `project = "` + s.s.Project + `" AND updated >= "` + from + `" ORDER BY updated ASC`,
		Fields:     []string{"status", "labels", "updated", "comment"},
		Expand:     "changelog",
		MaxResults: 100,
	}
	var out []core.TicketEvent
	last := since
	for page := 0; page < maxPollPages; page++ {
		var res pollResult
		if err := s.c.call(ctx, "poll", "POST", "/rest/api/3/search/jql", req, &res); err != nil {
			if len(out) > 0 {
				// Keep what was read; the next poll resumes from last.
				break
			}
			return nil, "", err
		}
		for _, is := range res.Issues {
			updated, err := time.Parse(TimeFormat, is.Fields.Updated)
			if err != nil || !updated.After(since) {
				continue
			}
			out = append(out, s.issueEvents(is, since)...)
			if updated.After(last) {
				last = updated
			}
		}
		if res.IsLast || res.NextPageToken == "" {
			break
		}
		req.NextPageToken = res.NextPageToken
	}
	return out, last.UTC().Format(time.RFC3339Nano), nil
}

// pollResult is a search page with the comment field read.
type pollResult struct {
	Issues        []polledIssue `json:"issues"`
	NextPageToken string        `json:"nextPageToken,omitempty"`
	IsLast        bool          `json:"isLast"`
}

type polledIssue struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Fields
		Comment struct {
			Comments []WebhookComment `json:"comments"`
		} `json:"comment"`
	} `json:"fields"`
	Changelog *Changelog `json:"changelog,omitempty"`
}

// issueEvents turns one issue's changes after since into events.
func (s *Sink) issueEvents(is polledIssue, since time.Time) []core.TicketEvent {
	base := core.TicketEvent{
		Sink:       s.id,
		Ticket:     core.TicketRef{Sink: s.id, Key: is.Key, URL: s.browse(is.Key)},
		ExternalID: ExternalIDFromLabels(is.Fields.Labels),
	}
	if is.Fields.Status != nil {
		base.Ticket.Status = is.Fields.Status.Name
	}
	var out []core.TicketEvent
	if is.Changelog != nil {
		for _, h := range is.Changelog.Histories {
			at, err := time.Parse(TimeFormat, h.Created)
			if err != nil || !at.After(since) {
				continue
			}
			for i, it := range h.Items {
				ev := base
				ev.EventID = fmt.Sprintf("poll-%s-history-%s-%d", is.ID, h.ID, i)
				ev.Time = at.UTC()
				ev.Ours = s.ours(h.Author)
				switch {
				case it.Field == "status" && it.ToString != "":
					ev.Kind = core.TicketStatusChanged
					ev.From, ev.To = it.FromString, it.ToString
				case it.Field == "assignee":
					ev.Kind = core.TicketAssigned
					ev.Assignee = it.ToString
				default:
					continue
				}
				out = append(out, ev)
			}
		}
	}
	for _, c := range is.Fields.Comment.Comments {
		at, err := time.Parse(TimeFormat, c.Created)
		if err != nil || !at.After(since) {
			continue
		}
		text := bodyText(c.Body)
		if text == "" {
			continue
		}
		ev := base
		ev.EventID = "poll-comment-" + c.ID
		ev.Kind = core.TicketCommentAdded
		ev.Time = at.UTC()
		ev.Ours = s.ours(c.Author)
		author := ""
		if c.Author != nil {
			author = c.Author.DisplayName
		}
		ev.Comment = &core.Comment{Body: text, Public: isPublic(&c), Author: author}
		out = append(out, ev)
	}
	return out
}

// jqlZone finds the API user's time zone once (JQL dates are read in it)
// and the margin to query with: a minute, for JQL's minute precision, or
// zoneMargin when the zone is unknown.
func (s *Sink) jqlZone(ctx context.Context) (*time.Location, time.Duration) {
	s.zone.mu.Lock()
	defer s.zone.mu.Unlock()
	if s.zone.loc != nil {
		return s.zone.loc, time.Minute
	}
	var me struct {
		TimeZone string `json:"timeZone"`
	}
	if err := s.c.call(ctx, "read time zone", "GET", "/rest/api/3/myself", nil, &me); err == nil && strings.TrimSpace(me.TimeZone) != "" {
		if loc, err := time.LoadLocation(me.TimeZone); err == nil {
			s.zone.loc = loc
			return loc, time.Minute
		}
	}
	return time.UTC, zoneMargin
}
