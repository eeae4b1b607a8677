package servicenow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Attach streams body to the attachment API as the raw request body. A
// file over max_attachment_bytes, announced or discovered while
// streaming, gives sink.ErrTooLarge; so does the instance's 413.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "attach file"
	limit := s.s.MaxAttachmentBytes
	if f.Size > limit {
		return fmt.Errorf("%s (%d > %d bytes): %w", f.Name, f.Size, limit, sink.ErrTooLarge)
	}
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return err
	}
	name := f.Name
	if name == "" {
		name = "attachment"
	}
	ctype := f.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	lr := &limitReader{r: body, left: limit}
	q := url.Values{"table_name": {"incident"}, "table_sys_id": {id}, "file_name": {name}}
	err = s.do(ctx, call{op: op, method: http.MethodPost, path: pathAttachment, query: q,
		raw: lr, length: f.Size, header: http.Header{"Content-Type": {ctype}}})
	if lr.over {
		return fmt.Errorf("%s (over %d bytes): %w", name, limit, sink.ErrTooLarge)
	}
	var ce *core.CallError
	if errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge {
		return fmt.Errorf("%w: %w", sink.ErrTooLarge, err)
	}
	return err
}

// FindAttachment looks for a file an earlier attempt uploaded, by name and
// size among the incident's attachments (GET /api/now/attachment): an
// attachment keeps no description of ours.
func (s *Sink) FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (bool, error) {
	const op = "find attachment"
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return false, err
	}
	name := f.Name
	if name == "" {
		name = "attachment"
	}
	var got resultList[struct {
		FileName  string `json:"file_name"`
		SizeBytes string `json:"size_bytes"`
	}]
	q := "table_name=incident^table_sys_id=" + id + "^file_name=" + queryValue(name)
	if err := s.do(ctx, call{op: op, method: http.MethodGet, path: pathAttachmentMeta,
		query: tableQuery(q, "sys_id,file_name,size_bytes", 50), out: &got}); err != nil {
		return false, err
	}
	for _, a := range got.Result {
		if a.FileName == name && a.SizeBytes == strconv.FormatInt(f.Size, 10) {
			return true, nil
		}
	}
	return false, nil
}

// errOverLimit aborts an upload whose body turned out too large.
var errOverLimit = errors.New("attachment over the size limit")

// limitReader passes at most left bytes and fails the read past them, so
// the upload is cut off rather than sent whole.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		l.over = true
		return 0, errOverLimit
	}
	// Read one byte beyond the limit to tell "exactly at" from "over".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.over = true
		return 0, errOverLimit
	}
	return n, err
}

// Transition moves the incident to a chat-facing state: resolved → 6
// with close_code and close_notes (the stock data policy wants both),
// closed → 7; other states are refused.
func (s *Sink) Transition(ctx context.Context, ref core.TicketRef, state string) error {
	const op = "transition incident"
	body := map[string]string{}
	switch state {
	case core.StateResolved:
		body["state"] = StateResolved
		body["close_code"] = s.s.CloseCode
		body["close_notes"] = s.s.CloseNotes
	case core.StateClosed:
		body["state"] = StateClosed
		body["close_code"] = s.s.CloseCode
		body["close_notes"] = s.s.CloseNotes
	case core.StateInProgress:
		body["state"] = StateInProgress
	default:
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("cannot move an incident to %q from the chat", state)}
	}
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return err
	}
	var got resultOne[Record]
	if err := s.do(ctx, call{op: op, method: http.MethodPatch, path: pathIncident + "/" + id,
		query: url.Values{"sysparm_fields": {recordFields}}, body: body, out: &got}); err != nil {
		return err
	}
	// A business rule may refuse the change silently: read it back.
	if got.Result.State != "" && got.Result.State != body["state"] {
		return &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("the instance kept the incident %s (state %s)",
			s.stateName(got.Result.State), got.Result.State)}
	}
	return nil
}

// Status reads the incident's state name.
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	id, err := s.sysID(ctx, ref)
	if err != nil {
		return "", err
	}
	var got resultOne[Record]
	if err := s.do(ctx, call{op: "read incident", method: http.MethodGet, path: pathIncident + "/" + id,
		query: tableQuery("", recordFields, 0), out: &got}); err != nil {
		return "", err
	}
	return s.stateName(got.Result.State), nil
}

// dictEntry is a sys_dictionary row.
type dictEntry struct {
	Name      string `json:"name"`
	Element   string `json:"element"`
	Label     string `json:"column_label"`
	Default   string `json:"default_value"`
	Mandatory string `json:"mandatory"`
}

// setByUs are the columns Create fills (or the instance fills itself).
var setByUs = map[string]bool{
	"short_description": true, "description": true, "correlation_id": true, "correlation_display": true,
	"urgency": true, "impact": true, "caller_id": true, "number": true, "state": true, "opened_at": true,
	"opened_by": true, "priority": true,
}

// ValidateMapping reads the incident dictionary: mandatory columns the
// mapping leaves empty, custom columns that do not exist, and priorities
// without an urgency/impact mapping. An account that may not read the
// dictionary gets an error saying the checks were skipped (with the
// priority messages, which need no dictionary).
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	var msgs []string
	for _, p := range m.Priorities {
		_, u := s.s.UrgencyMap[strings.ToLower(p)]
		_, i := s.s.ImpactMap[strings.ToLower(p)]
		if !u || !i {
			msgs = append(msgs, fmt.Sprintf("route %s: priority %q has no urgency_map/impact_map entry", m.Route, p))
		}
	}
	var got resultList[dictEntry]
	err := s.do(ctx, call{op: "read dictionary", method: http.MethodGet, path: pathDictionary,
		query: tableQuery("nameINincident,task^active=true^elementISNOTEMPTY", "name,element,column_label,default_value,mandatory", 2000), out: &got})
	var ce *core.CallError
	if errors.As(err, &ce) && ce.Status == http.StatusForbidden {
		// An error, not a message: callers treat messages as problems
		// that stop start-up, and an unreadable dictionary is only a
		// check we could not make.
		return msgs, fmt.Errorf("cannot read the dictionary (sys_dictionary); mandatory and custom column checks skipped: %w", err)
	}
	if err != nil {
		return msgs, err
	}
	exists := map[string]bool{}
	for _, d := range got.Result {
		exists[d.Element] = true
	}
	filled := map[string]bool{}
	for k := range setByUs {
		filled[k] = true
	}
	if s.s.AssignmentGroup != "" {
		filled["assignment_group"] = true
	}
	if s.s.Category != "" {
		filled["category"] = true
	}
	if s.s.LabelsField != "" {
		filled[s.s.LabelsField] = true
		if m.Labels && !exists[s.s.LabelsField] {
			msgs = append(msgs, fmt.Sprintf("labels_field %q is not a column of incident", s.s.LabelsField))
		}
	}
	for _, k := range m.CustomFields {
		col := s.column(k)
		filled[col] = true
		if !exists[col] {
			msgs = append(msgs, fmt.Sprintf("route %s: custom field %q goes to column %q, which incident does not have", m.Route, k, col))
		}
	}
	var missing []string
	for _, d := range got.Result {
		if d.Mandatory != "true" || d.Default != "" || filled[d.Element] || strings.HasPrefix(d.Element, "sys_") {
			continue
		}
		label := d.Label
		if label == "" {
			label = d.Element
		}
		missing = append(missing, fmt.Sprintf("route %s: incident requires %s (%s), which the mapping does not set", m.Route, label, d.Element))
	}
	sort.Strings(missing)
	return append(msgs, missing...), nil
}

// Check reads one incident (credentials and table access) and the
// integration user, and resolves the assignment group.
func (s *Sink) Check(ctx context.Context) error {
	var inc resultList[Record]
	if err := s.do(ctx, call{op: "read incidents", method: http.MethodGet, path: pathIncident,
		query: tableQuery("", "sys_id", 1), out: &inc}); err != nil {
		var ce *core.CallError
		if errors.As(err, &ce) && ce.Status == http.StatusUnauthorized {
			return fmt.Errorf("the instance refused the credentials: %w", err)
		}
		if errors.As(err, &ce) && ce.Status == http.StatusForbidden {
			return fmt.Errorf("the account may not read incidents (give it the itil role): %w", err)
		}
		return fmt.Errorf("cannot read incidents at %s: %w", s.base, err)
	}
	if s.s.IntegrationUser != "" {
		var users resultList[struct {
			SysID string `json:"sys_id"`
		}]
		if err := s.do(ctx, call{op: "read integration user", method: http.MethodGet, path: pathUser,
			query: tableQuery("user_name="+queryValue(s.s.IntegrationUser), "sys_id", 1), out: &users}); err != nil {
			return fmt.Errorf("cannot read the integration user: %w", err)
		}
		if len(users.Result) == 0 {
			return fmt.Errorf("integration_user %q is not a user of the instance", s.s.IntegrationUser)
		}
	}
	if s.s.AssignmentGroup != "" {
		if _, err := s.group(ctx); err != nil {
			return fmt.Errorf("assignment_group: %w", err)
		}
	}
	return nil
}
