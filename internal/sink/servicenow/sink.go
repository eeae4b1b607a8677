package servicenow

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// maxRemembered bounds the number → sys_id cache.
const maxRemembered = 10000

// recordFields is what we read of an incident.
const recordFields = "sys_id,number,state,correlation_id,sys_updated_on,sys_updated_by,sys_mod_count"

// Create inserts an incident. correlation_id carries the draft's
// ExternalID, which FindByExternalID searches.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create incident"
	body, err := s.incidentBody(ctx, t)
	if err != nil {
		return core.TicketRef{}, err
	}
	var got resultOne[Record]
	q := url.Values{"sysparm_display_value": {"false"}, "sysparm_exclude_reference_link": {"true"}, "sysparm_fields": {recordFields}}
	if err := s.do(ctx, call{op: op, method: http.MethodPost, path: pathIncident, query: q, body: body, out: &got}); err != nil {
		return core.TicketRef{}, err
	}
	if got.Result.SysID == "" || got.Result.Number == "" {
		// The instance answered success, so the incident may exist: keep
		// it transient and let the retry find it by correlation_id.
		return core.TicketRef{}, &core.CallError{Op: op, Status: http.StatusCreated, Message: "answer has no sys_id or number"}
	}
	return s.ref(got.Result), nil
}

// incidentBody is the insert's JSON from the draft.
func (s *Sink) incidentBody(ctx context.Context, t core.TicketDraft) (map[string]string, error) {
	title := strings.TrimSpace(t.Title)
	if i := strings.IndexByte(title, '\n'); i >= 0 {
		title = strings.TrimSpace(title[:i])
	}
	body := map[string]string{
		"short_description":   cut(title, 160),
		"description":         t.Description,
		"correlation_id":      t.ExternalID,
		"correlation_display": "ticketbridge",
	}
	if u, ok := s.s.UrgencyMap[strings.ToLower(t.Priority)]; ok {
		body["urgency"] = u
	}
	if i, ok := s.s.ImpactMap[strings.ToLower(t.Priority)]; ok {
		body["impact"] = i
	}
	if s.s.Category != "" {
		body["category"] = s.s.Category
	}
	caller, err := s.caller(ctx, t.Requester)
	if err != nil {
		return nil, err
	}
	if caller != "" {
		body["caller_id"] = caller
	}
	if s.s.AssignmentGroup != "" {
		g, err := s.group(ctx)
		if err != nil {
			return nil, err
		}
		body["assignment_group"] = g
	}
	if len(t.Labels) > 0 {
		labels := strings.Join(t.Labels, ", ")
		if s.s.LabelsField != "" {
			body[s.s.LabelsField] = labels
		} else {
			body["description"] = strings.TrimRight(body["description"], "\n") + "\n\nLabels: " + labels
		}
	}
	keys := make([]string, 0, len(t.Custom))
	for k := range t.Custom {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		col := s.column(k)
		if !columnPattern.MatchString(col) {
			return nil, &core.CallError{Op: "create incident", Permanent: true,
				Message: fmt.Sprintf("custom field %q is not a column name; map it in custom_fields", k)}
		}
		body[col] = fmt.Sprint(t.Custom[k])
	}
	return body, nil
}

// column is the incident column a custom key goes to.
func (s *Sink) column(key string) string {
	if c, ok := s.s.CustomFields[key]; ok {
		return c
	}
	return key
}

// caller finds the requester's sys_user by e-mail; no match gives the
// fallback (or no caller, the instance's default).
func (s *Sink) caller(ctx context.Context, r core.Requester) (string, error) {
	if sysIDPattern.MatchString(r.ID) {
		return r.ID, nil
	}
	email := strings.TrimSpace(r.Email)
	if email == "" || strings.ContainsAny(email, "^\n") {
		return s.s.CallerFallback, nil
	}
	var got resultList[struct {
		SysID string `json:"sys_id"`
	}]
	err := s.do(ctx, call{op: "find caller", method: http.MethodGet, path: pathUser,
		query: tableQuery("email="+email+"^active=true", "sys_id", 1), out: &got})
	if err != nil {
		return "", err
	}
	if len(got.Result) > 0 && got.Result[0].SysID != "" {
		return got.Result[0].SysID, nil
	}
	return s.s.CallerFallback, nil
}

// group resolves assignment_group given by name to its sys_id, once.
func (s *Sink) group(ctx context.Context) (string, error) {
	s.mu.Lock()
	id := s.groupID
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var got resultList[struct {
		SysID string `json:"sys_id"`
	}]
	err := s.do(ctx, call{op: "find assignment group", method: http.MethodGet, path: pathGroup,
		query: tableQuery("name="+queryValue(s.s.AssignmentGroup), "sys_id", 1), out: &got})
	if err != nil {
		return "", err
	}
	if len(got.Result) == 0 || got.Result[0].SysID == "" {
		return "", &core.CallError{Op: "find assignment group", Permanent: true,
			Message: fmt.Sprintf("no group named %q (assignment_group)", s.s.AssignmentGroup)}
	}
	s.mu.Lock()
	s.groupID = got.Result[0].SysID
	s.mu.Unlock()
	return got.Result[0].SysID, nil
}

// FindByExternalID searches incidents by correlation_id.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	if externalID == "" {
		return core.TicketRef{}, false, nil
	}
	var got resultList[Record]
	err := s.do(ctx, call{op: "find incident", method: http.MethodGet, path: pathIncident,
		query: tableQuery("correlation_id="+queryValue(externalID)+"^ORDERBYsys_created_on", recordFields, 5), out: &got})
	if err != nil {
		return core.TicketRef{}, false, err
	}
	for _, r := range got.Result {
		// The oldest exact match wins; a query the instance did not apply
		// must not make us adopt another conversation's incident.
		if r.SysID != "" && r.Number != "" && r.CorrelationID == externalID {
			return s.ref(r), true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment adds a customer-visible comment (comments) or an internal work
// note (work_notes).
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add comment"
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return err
	}
	field := KindWorkNotes
	if c.Public {
		field = KindComments
	}
	return s.do(ctx, call{op: op, method: http.MethodPatch, path: pathIncident + "/" + id,
		query: url.Values{"sysparm_fields": {"sys_id"}}, body: map[string]string{field: sinkhttp.Marked(c.Body, c.Key, sinkhttp.Visible)}})
}

// SatisfactionFields: csat_field holds the score, csat_comment_field the
// comment.
func (s *Sink) SatisfactionFields() (score, comment bool) {
	return s.s.CSATField != "", s.s.CSATCommentField != ""
}

// SetSatisfaction writes a CSAT answer into the configured incident
// columns. The Table API ignores a column the table lacks, so the answer
// is read back from the update's own result: a score that did not stick
// is a permanent error (the worker notes the answer instead).
func (s *Sink) SetSatisfaction(ctx context.Context, ref core.TicketRef, sat core.Satisfaction) error {
	const op = "set satisfaction"
	if s.s.CSATField == "" {
		return &core.CallError{Op: op, Message: "no csat_field configured", Permanent: true}
	}
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return err
	}
	body := map[string]string{s.s.CSATField: strconv.Itoa(sat.Score)}
	if s.s.CSATCommentField != "" {
		body[s.s.CSATCommentField] = sat.Comment
	}
	var got resultOne[map[string]string]
	if err := s.do(ctx, call{op: op, method: http.MethodPatch, path: pathIncident + "/" + id,
		query: url.Values{"sysparm_fields": {s.satisfactionColumns()}}, body: body, out: &got}); err != nil {
		return err
	}
	if got.Result[s.s.CSATField] != strconv.Itoa(sat.Score) {
		return &core.CallError{Op: op, Permanent: true,
			Message: "the incident did not keep " + s.s.CSATField + " (is it a column of the incident table?)"}
	}
	return nil
}

// Satisfaction reads the score back (found false while the column is
// empty).
func (s *Sink) Satisfaction(ctx context.Context, ref core.TicketRef) (core.Satisfaction, bool, error) {
	if s.s.CSATField == "" {
		return core.Satisfaction{}, false, nil
	}
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return core.Satisfaction{}, false, err
	}
	var got resultOne[map[string]string]
	if err := s.do(ctx, call{op: "read satisfaction", method: http.MethodGet, path: pathIncident + "/" + id,
		query: url.Values{"sysparm_fields": {s.satisfactionColumns()}}, out: &got}); err != nil {
		return core.Satisfaction{}, false, err
	}
	score, err := strconv.Atoi(got.Result[s.s.CSATField])
	if err != nil || score < 1 {
		return core.Satisfaction{}, false, nil
	}
	return core.Satisfaction{Score: score, Comment: got.Result[s.s.CSATCommentField]}, true, nil
}

func (s *Sink) satisfactionColumns() string {
	return strings.Trim(s.s.CSATField+","+s.s.CSATCommentField, ",")
}

// findCommentLimit bounds the journal entries FindComment reads; the
// query already keeps only entries that carry the key's prefix.
const findCommentLimit = 20

// FindComment asks sys_journal_field for the incident's comments and
// work notes whose text contains the marker (the "ref:" line Comment
// adds) for prefix, newest first, and reads the key from the last marker
// of each: a journal entry has no field of ours, so the key travels in
// the text, and the Table API's LIKE finds it whatever the number of
// entries on the incident.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find comment"
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return "", false, err
	}
	q := "element_id=" + id + "^elementINcomments,work_notes^valueLIKE" + queryValue(sinkhttp.Marker(prefix, sinkhttp.Visible)) + "^ORDERBYDESCsys_created_on"
	var got resultList[JournalEntry]
	if err := s.do(ctx, call{op: op, method: http.MethodGet, path: pathJournal,
		query: tableQuery(q, "sys_id,value,sys_created_on", findCommentLimit), out: &got}); err != nil {
		return "", false, err
	}
	values := make([]string, len(got.Result))
	for i, j := range got.Result {
		values[i] = j.Value
	}
	key, found := sinkhttp.FindMarked(values, prefix)
	return key, found, nil
}

// ref is the TicketRef of a record: Key is the incident number people
// know; URL is the incident form, which carries the sys_id later calls
// need (sysID reads it back).
func (s *Sink) ref(r Record) core.TicketRef {
	s.mu.Lock()
	if len(s.sysIDs) >= maxRemembered {
		// A cache, not a record: the URL carries the sys_id anyway.
		clear(s.sysIDs)
	}
	s.sysIDs[r.Number] = r.SysID
	s.mu.Unlock()
	return core.TicketRef{
		Sink:   s.id,
		Key:    r.Number,
		URL:    s.base + "/incident.do?sys_id=" + r.SysID,
		Status: s.stateName(r.State),
	}
}

// sysID finds the sys_id of a ref: from its URL when it is one of ours,
// else from memory, else by number.
func (s *Sink) sysID(ctx context.Context, ref core.TicketRef) (string, error) {
	if ref.Key == "" && ref.URL == "" {
		return "", &core.CallError{Op: "find incident", Permanent: true, Message: "ticket key is empty"}
	}
	if u, err := url.Parse(ref.URL); err == nil && strings.HasPrefix(ref.URL, s.base+"/") {
		if id := u.Query().Get("sys_id"); sysIDPattern.MatchString(id) {
			return id, nil
		}
	}
	s.mu.Lock()
	id := s.sysIDs[ref.Key]
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var got resultList[Record]
	err := s.do(ctx, call{op: "find incident", method: http.MethodGet, path: pathIncident,
		query: tableQuery("number="+queryValue(ref.Key), recordFields, 1), out: &got})
	if err != nil {
		return "", err
	}
	if len(got.Result) == 0 || got.Result[0].SysID == "" {
		return "", &core.CallError{Op: "find incident", Status: http.StatusNotFound, Permanent: true,
			Message: "no incident " + ref.Key}
	}
	s.ref(got.Result[0])
	return got.Result[0].SysID, nil
}

// stateName is the name of a state code ("6" → "Resolved"); unknown
// codes stay as they are.
func (s *Sink) stateName(code string) string {
	if n, ok := s.s.StateNames[code]; ok {
		return n
	}
	return code
}
