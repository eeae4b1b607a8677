package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// ValidateMapping reads the create metadata of the project and issue type
// (or of the JSM request type) and reports, one plain message each:
// required fields without a default that the mapping does not fill,
// priorities the project lacks, custom keys without a field id or whose
// field is not on the create screen, and a missing labels field.
func (s *Sink) ValidateMapping(ctx context.Context, m sink.MappingSpec) ([]string, error) {
	fields, where, err := s.createFields(ctx)
	if err != nil {
		return nil, err
	}
	if fields == nil {
		return []string{where}, nil
	}
	prefix := ""
	if m.Route != "" {
		prefix = "route " + m.Route + ": "
	}
	byID := map[string]FieldMeta{}
	for _, f := range fields {
		byID[f.FieldID] = f
	}
	filled := map[string]bool{"project": true, "issuetype": true, "summary": true, "description": true, "labels": true, "reporter": true}
	if len(m.Priorities) > 0 {
		filled["priority"] = true
	}
	var out []string
	custom := append([]string(nil), m.CustomFields...)
	sort.Strings(custom)
	for _, k := range custom {
		id, ok := s.s.CustomFields[k]
		if !ok && customFieldID.MatchString(k) {
			id, ok = k, true
		}
		if !ok {
			out = append(out, fmt.Sprintf("%scustom key %q has no Jira field id: add it to custom_fields (like %s: customfield_10050)", prefix, k, k))
			continue
		}
		if _, on := byID[id]; !on {
			out = append(out, fmt.Sprintf("%scustom key %q maps to %s, which is not a field of %s", prefix, k, id, where))
			continue
		}
		filled[id] = true
	}
	if _, on := byID["labels"]; !on {
		out = append(out, fmt.Sprintf("the labels field is not on %s: ticketbridge keeps its external id in a label and could not find a ticket again after a lost answer", where))
	}
	for _, f := range fields {
		if f.Required && !f.HasDefaultValue && !filled[f.FieldID] {
			out = append(out, fmt.Sprintf("%sfield %q (%s) is required by %s and has no default; fill it through mapping.custom and custom_fields", prefix, f.Name, f.FieldID, where))
		}
	}
	if len(m.Priorities) > 0 {
		pf, on := byID["priority"]
		switch {
		case !on:
			out = append(out, fmt.Sprintf("%sthe route sets priorities but %s has no priority field", prefix, where))
		case len(pf.AllowedValues) > 0:
			allowed := allowedNames(pf.AllowedValues)
			for _, p := range dedupe(m.Priorities) {
				name := s.priority(p)
				if name == "" {
					out = append(out, fmt.Sprintf("%spriority %q has no entry in priority_map", prefix, p))
					continue
				}
				if !containsFold(allowed, name) {
					out = append(out, fmt.Sprintf("%spriority %q maps to %q, which %s does not offer (it offers: %s)", prefix, p, name, where, strings.Join(allowed, ", ")))
				}
			}
		}
	}
	return out, nil
}

// createFields returns the fields Jira shows when creating our issues
// and a name for where they come from. fields is nil (and where the
// message) when the issue type does not exist.
func (s *Sink) createFields(ctx context.Context) (fields []FieldMeta, where string, err error) {
	if s.jsm() {
		return s.requestTypeFields(ctx)
	}
	base := "/rest/api/3/issue/createmeta/" + url.PathEscape(s.s.Project) + "/issuetypes"
	var types []IssueType
	for start := 0; ; {
		var page IssueTypePage
		if err := s.c.call(ctx, "read issue types", "GET", base+"?maxResults=200&startAt="+strconv.Itoa(start), nil, &page); err != nil {
			return nil, "", err
		}
		got := append(page.IssueTypes, page.Values...)
		types = append(types, got...)
		start += len(got)
		if len(got) == 0 || start >= page.Total {
			break
		}
	}
	var it *IssueType
	names := make([]string, 0, len(types))
	for i := range types {
		names = append(names, types[i].Name)
		if strings.EqualFold(types[i].Name, s.s.IssueType) {
			it = &types[i]
		}
	}
	if it == nil {
		return nil, fmt.Sprintf("issue type %q does not exist in project %s (it has: %s)", s.s.IssueType, s.s.Project, strings.Join(names, ", ")), nil
	}
	where = fmt.Sprintf("the create screen of %s/%s", s.s.Project, it.Name)
	for start := 0; ; {
		var page FieldPage
		if err := s.c.call(ctx, "read create fields", "GET", base+"/"+url.PathEscape(it.ID)+"?maxResults=200&startAt="+strconv.Itoa(start), nil, &page); err != nil {
			return nil, "", err
		}
		got := append(page.Fields, page.Values...)
		fields = append(fields, got...)
		start += len(got)
		if len(got) == 0 || start >= page.Total {
			break
		}
	}
	if fields == nil {
		fields = []FieldMeta{}
	}
	return fields, where, nil
}

// requestTypeFields reads a JSM request type's fields; their validValues
// become allowedValues.
func (s *Sink) requestTypeFields(ctx context.Context) ([]FieldMeta, string, error) {
	var doc struct {
		RequestTypeFields []struct {
			FieldID     string `json:"fieldId"`
			Name        string `json:"name"`
			Required    bool   `json:"required"`
			ValidValues []struct {
				Value string `json:"value"`
				Label string `json:"label"`
			} `json:"validValues"`
		} `json:"requestTypeFields"`
	}
	path := "/rest/servicedeskapi/servicedesk/" + s.s.ServiceDeskID + "/requesttype/" + s.s.RequestTypeID + "/field"
	err := s.c.call(ctx, "read request type fields", "GET", path, nil, &doc)
	var ce *core.CallError
	if errors.As(err, &ce) && ce.Status == 404 {
		return nil, fmt.Sprintf("request type %s does not exist in service desk %s", s.s.RequestTypeID, s.s.ServiceDeskID), nil
	}
	if err != nil {
		return nil, "", err
	}
	fields := []FieldMeta{}
	for _, f := range doc.RequestTypeFields {
		fm := FieldMeta{FieldID: f.FieldID, Name: f.Name, Required: f.Required}
		for _, v := range f.ValidValues {
			raw, _ := json.Marshal(map[string]string{"id": v.Value, "name": v.Label})
			fm.AllowedValues = append(fm.AllowedValues, raw)
		}
		fields = append(fields, fm)
	}
	return fields, "request type " + s.s.RequestTypeID + " of service desk " + s.s.ServiceDeskID, nil
}

func allowedNames(vals []json.RawMessage) []string {
	var out []string
	for _, raw := range vals {
		var v struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		if v.Name != "" {
			out = append(out, v.Name)
		} else if v.Value != "" {
			out = append(out, v.Value)
		}
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range list {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// Check answers `ticketbridge doctor`: the credentials work, the project
// (and service desk) exist for the token's user, and
// integration_account_id is that user.
func (s *Sink) Check(ctx context.Context) error {
	var me User
	err := s.c.call(ctx, "check credentials", "GET", "/rest/api/3/myself", nil, &me)
	var ce *core.CallError
	if errors.As(err, &ce) && (ce.Status == 401 || ce.Status == 403) {
		return fmt.Errorf("jira at %s refuses the credentials of %s: check email and api_token (%w)", s.s.URL, s.s.Email, err)
	}
	if err != nil {
		return fmt.Errorf("jira at %s cannot be reached: %w", s.s.URL, err)
	}
	err = s.c.call(ctx, "check project", "GET", "/rest/api/3/project/"+url.PathEscape(s.s.Project), nil, nil)
	if errors.As(err, &ce) && (ce.Status == 404 || ce.Status == 403) {
		return fmt.Errorf("project %s does not exist or %s cannot see it (%w)", s.s.Project, s.s.Email, err)
	}
	if err != nil {
		return fmt.Errorf("reading project %s: %w", s.s.Project, err)
	}
	if s.jsm() {
		err = s.c.call(ctx, "check service desk", "GET", "/rest/servicedeskapi/servicedesk/"+s.s.ServiceDeskID, nil, nil)
		if errors.As(err, &ce) && (ce.Status == 404 || ce.Status == 403) {
			return fmt.Errorf("service desk %s does not exist or %s is not an agent of it (%w)", s.s.ServiceDeskID, s.s.Email, err)
		}
		if err != nil {
			return fmt.Errorf("reading service desk %s: %w", s.s.ServiceDeskID, err)
		}
	}
	if s.s.IntegrationAccountID != "" && me.AccountID != "" && me.AccountID != s.s.IntegrationAccountID {
		return fmt.Errorf("integration_account_id is %s but the api_token belongs to %s (%s): our own changes would be echoed to the chat", s.s.IntegrationAccountID, me.AccountID, me.DisplayName)
	}
	return nil
}
