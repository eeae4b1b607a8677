package jira

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// maxSummary is Jira's limit on an issue summary, in characters.
const maxSummary = 255

// Create makes an issue (or a JSM request) from the draft, labelled with
// the external id so FindByExternalID can find it again.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create issue"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	reporter, err := s.reporter(ctx, t.Requester.Email)
	if err != nil {
		return core.TicketRef{}, err
	}
	if s.jsm() {
		return s.createRequest(ctx, t, reporter)
	}
	fields := map[string]any{
		"project":   map[string]string{"key": s.s.Project},
		"issuetype": map[string]string{"name": s.s.IssueType},
		"summary":   summary(t),
		"labels":    s.labels(t),
	}
	if strings.TrimSpace(t.Description) != "" {
		fields["description"] = Doc(t.Description)
	}
	if p := s.priority(t.Priority); p != "" {
		fields["priority"] = map[string]string{"name": p}
	}
	if reporter != "" {
		fields["reporter"] = map[string]string{"accountId": reporter}
	}
	s.customFields(t, fields)
	var got CreatedIssue
	if err := s.c.call(ctx, op, "POST", "/rest/api/3/issue", map[string]any{"fields": fields}, &got); err != nil {
		return core.TicketRef{}, err
	}
	if got.Key == "" {
		// Jira said yes, so the issue may exist: stay transient and let
		// the retry find it by label.
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no issue key"}
	}
	return core.TicketRef{Sink: s.id, Key: got.Key, URL: s.browse(got.Key)}, nil
}

// createRequest raises a JSM request; its description is plain text.
func (s *Sink) createRequest(ctx context.Context, t core.TicketDraft, reporter string) (core.TicketRef, error) {
	const op = "create request"
	values := map[string]any{
		"summary": summary(t),
		"labels":  s.labels(t),
	}
	if strings.TrimSpace(t.Description) != "" {
		values["description"] = t.Description
	}
	if p := s.priority(t.Priority); p != "" {
		values["priority"] = map[string]string{"name": p}
	}
	s.customFields(t, values)
	body := RequestCreate{
		ServiceDeskID:      s.s.ServiceDeskID,
		RequestTypeID:      s.s.RequestTypeID,
		RequestFieldValues: values,
		RaiseOnBehalfOf:    reporter,
	}
	var got CreatedRequest
	if err := s.c.call(ctx, op, "POST", "/rest/servicedeskapi/request", body, &got); err != nil {
		return core.TicketRef{}, err
	}
	if got.IssueKey == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no issue key"}
	}
	return core.TicketRef{Sink: s.id, Key: got.IssueKey, URL: s.browse(got.IssueKey), Status: got.CurrentStatus.Status}, nil
}

// summary is the draft's title on one line, cut to Jira's limit.
func summary(t core.TicketDraft) string {
	title := strings.Join(strings.Fields(t.Title), " ")
	if title == "" {
		title = strings.Join(strings.Fields(firstLine(t.Description)), " ")
	}
	if title == "" {
		title = "Ticket from chat"
	}
	if utf8.RuneCountInString(title) <= maxSummary {
		return title
	}
	r := []rune(title)
	return string(r[:maxSummary-1]) + "…"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// labels are the draft's labels made valid (Jira labels cannot contain
// spaces) plus our external id label, without duplicates.
func (s *Sink) labels(t core.TicketDraft) []string {
	out := []string{}
	seen := map[string]bool{}
	add := func(l string) {
		l = label(l)
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	for _, l := range t.Labels {
		add(l)
	}
	add(ExternalLabel(t.ExternalID))
	return out
}

// ExternalLabel is the label that carries an external id.
func ExternalLabel(externalID string) string { return label(LabelPrefix + externalID) }

// ExternalIDFromLabels returns the external id among an issue's labels.
func ExternalIDFromLabels(labels []string) string {
	for _, l := range labels {
		if id, ok := strings.CutPrefix(l, LabelPrefix); ok && id != "" {
			return id
		}
	}
	return ""
}

func label(l string) string {
	l = strings.Join(strings.Fields(l), "_")
	if utf8.RuneCountInString(l) > 255 {
		l = string([]rune(l)[:255])
	}
	return l
}

// SetPriority sets an issue's priority (an SLA escalation) with an edit:
// priority_map's name for it, else the name as given (a Jira priority
// such as "Highest"). Setting it again is harmless, so a retry needs no
// look-up; a name the site does not have is Jira's 400, not retried.
func (s *Sink) SetPriority(ctx context.Context, ref core.TicketRef, priority string) error {
	name := s.priority(priority)
	if name == "" {
		name = priority
	}
	body := map[string]any{"fields": map[string]any{"priority": map[string]string{"name": name}}}
	return s.c.call(ctx, "set priority", "PUT", "/rest/api/3/issue/"+url.PathEscape(ref.Key), body, nil)
}

// csatCommentMax is what a single-line text field holds.
const csatCommentMax = 255

// SatisfactionFields: csat_field holds the score, csat_comment_field the
// comment.
func (s *Sink) SatisfactionFields() (score, comment bool) {
	return s.s.CSATField != "", s.s.CSATCommentField != ""
}

// SetSatisfaction writes a CSAT answer into the configured custom fields
// with an issue edit; the same edit again is harmless.
func (s *Sink) SetSatisfaction(ctx context.Context, ref core.TicketRef, sat core.Satisfaction) error {
	if s.s.CSATField == "" {
		return &core.CallError{Op: "set satisfaction", Message: "no csat_field configured", Permanent: true}
	}
	fields := map[string]any{s.s.CSATField: sat.Score}
	if s.s.CSATCommentField != "" {
		fields[s.s.CSATCommentField] = cutRunes(sat.Comment, csatCommentMax)
	}
	return s.c.call(ctx, "set satisfaction", "PUT", "/rest/api/3/issue/"+url.PathEscape(ref.Key), map[string]any{"fields": fields}, nil)
}

// Satisfaction reads the score back from csat_field (found false while
// the field is empty).
func (s *Sink) Satisfaction(ctx context.Context, ref core.TicketRef) (core.Satisfaction, bool, error) {
	if s.s.CSATField == "" {
		return core.Satisfaction{}, false, nil
	}
	q := url.Values{"fields": {strings.Trim(s.s.CSATField+","+s.s.CSATCommentField, ",")}}
	var is struct {
		Fields map[string]any `json:"fields"`
	}
	if err := s.c.call(ctx, "read satisfaction", "GET", "/rest/api/3/issue/"+url.PathEscape(ref.Key)+"?"+q.Encode(), nil, &is); err != nil {
		return core.Satisfaction{}, false, err
	}
	score, ok := is.Fields[s.s.CSATField].(float64)
	if !ok || score < 1 {
		return core.Satisfaction{}, false, nil
	}
	out := core.Satisfaction{Score: int(score)}
	if s.s.CSATCommentField != "" {
		out.Comment, _ = is.Fields[s.s.CSATCommentField].(string)
	}
	return out, true, nil
}

// cutRunes keeps the first n runes of v.
func cutRunes(v string, n int) string {
	if r := []rune(v); len(r) > n {
		return string(r[:n])
	}
	return v
}

// ourPriority is our name for a Jira priority: the priority_map key
// that maps to it (the first in sorted order when several do), else
// Jira's name as it is.
func (s *Sink) ourPriority(name string) string {
	keys := make([]string, 0, len(s.s.PriorityMap))
	for k, v := range s.s.PriorityMap {
		if strings.EqualFold(v, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return name
	}
	slices.Sort(keys)
	return keys[0]
}

// priority maps our priority name to Jira's; "" leaves Jira's default.
func (s *Sink) priority(p string) string {
	if p == "" {
		return ""
	}
	if name, ok := s.s.PriorityMap[strings.ToLower(p)]; ok {
		return name
	}
	return ""
}

var customFieldID = regexp.MustCompile(`^customfield_[0-9]+$`)

// customFields puts the draft's custom values into fields under their
// Jira field ids. A key that is neither mapped nor a field id itself is
// dropped (and logged): ValidateMapping reports it before the first ticket.
func (s *Sink) customFields(t core.TicketDraft, fields map[string]any) {
	for k, v := range t.Custom {
		id, ok := s.s.CustomFields[k]
		if !ok && customFieldID.MatchString(k) {
			id, ok = k, true
		}
		if !ok {
			s.log.Warn("jira: custom key has no field id", "key", k)
			continue
		}
		fields[id] = v
	}
}

// reporter finds the accountId for the requester's e-mail, falling back
// to the configured account. A lookup Jira refuses (no permission to
// browse users) falls back too; a transient failure is returned.
func (s *Sink) reporter(ctx context.Context, email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return s.s.ReporterFallbackAccountID, nil
	}
	var users []User
	err := s.c.call(ctx, "find reporter", "GET", "/rest/api/3/user/search?query="+url.QueryEscape(email), nil, &users)
	if err != nil {
		if core.IsPermanent(err) {
			s.log.Warn("jira: user search refused; using the fallback reporter", "error", err.Error())
			return s.s.ReporterFallbackAccountID, nil
		}
		return "", err
	}
	// The search also matches names; only an exact e-mail, or a single
	// active hit when Jira hides e-mails, is taken as the requester.
	var active []User
	for _, u := range users {
		if !u.Active || u.AccountID == "" {
			continue
		}
		if strings.EqualFold(u.EmailAddress, email) {
			return u.AccountID, nil
		}
		active = append(active, u)
	}
	if len(active) == 1 && active[0].EmailAddress == "" {
		return active[0].AccountID, nil
	}
	return s.s.ReporterFallbackAccountID, nil
}

// FindByExternalID searches for the issue labelled with the external id.
// Jira's search is eventually consistent: an issue created a moment ago
// may not be found yet (see the docs).
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	const op = "find issue"
	want := ExternalLabel(externalID)
	req := SearchRequest{
		JQL:        `project = "` + s.s.Project + `" AND labels = ` + jqlString(want),
		Fields:     []string{"status", "labels"},
		MaxResults: 10,
	}
	var res SearchResult
	if err := s.c.call(ctx, op, "POST", "/rest/api/3/search/jql", req, &res); err != nil {
		return core.TicketRef{}, false, err
	}
	for _, is := range res.Issues {
		// Never adopt an issue that does not carry the label itself.
		if is.Key == "" || !contains(is.Fields.Labels, want) {
			continue
		}
		ref := core.TicketRef{Sink: s.id, Key: is.Key, URL: s.browse(is.Key)}
		if is.Fields.Status != nil {
			ref.Status = is.Fields.Status.Name
		}
		return ref, true, nil
	}
	return core.TicketRef{}, false, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// jqlString quotes s as a JQL string literal.
func jqlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Comment adds a comment. Internal comments are JSM internal notes (the
// sd.public.comment property) or, in plain Jira, restricted to
// internal_visibility_role.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add comment"
	if ref.Key == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "issue key is empty"}
	}
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "comment is empty"}
	}
	body := CommentCreate{Body: Doc(c.Body)}
	switch {
	case s.jsm():
		v, _ := json.Marshal(map[string]bool{"internal": !c.Public})
		body.Properties = []EntityProperty{{Key: PropertyPublicComment, Value: v}}
	case !c.Public && s.s.InternalVisibilityRole != "":
		body.Visibility = &Visibility{Type: "role", Value: s.s.InternalVisibilityRole}
	}
	if c.Key != "" {
		v, _ := json.Marshal(map[string]string{"key": c.Key})
		body.Properties = append(body.Properties, EntityProperty{Key: PropertyEffect, Value: v})
	}
	return s.c.call(ctx, op, "POST", "/rest/api/3/issue/"+url.PathEscape(ref.Key)+"/comment", body, nil)
}

// findCommentLimit bounds the comments FindComment reads: the newest,
// where a retried append's earlier comment is.
const findCommentLimit = 100

// FindComment looks among the issue's newest comments for one whose
// ticketbridge.effect property key starts with prefix.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find comment"
	if ref.Key == "" {
		return "", false, &core.CallError{Op: op, Permanent: true, Message: "issue key is empty"}
	}
	q := url.Values{"expand": {"properties"}, "orderBy": {"-created"}, "maxResults": {strconv.Itoa(findCommentLimit)}}
	var page CommentPage
	if err := s.c.call(ctx, op, "GET", "/rest/api/3/issue/"+url.PathEscape(ref.Key)+"/comment?"+q.Encode(), nil, &page); err != nil {
		return "", false, err
	}
	for _, c := range page.Comments {
		for _, p := range c.Properties {
			var v struct {
				Key string `json:"key"`
			}
			if p.Key == PropertyEffect && json.Unmarshal(p.Value, &v) == nil && strings.HasPrefix(v.Key, prefix) {
				return v.Key, true, nil
			}
		}
	}
	return "", false, nil
}

// errNoKey guards calls that need an issue key.
var errNoKey = errors.New("issue key is empty")
