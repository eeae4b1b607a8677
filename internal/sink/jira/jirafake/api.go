package jirafake

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
)

func (s *Site) myself(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"accountId": s.o.AccountID, "emailAddress": s.o.Email, "displayName": "ticketbridge",
		"active": true, "timeZone": s.o.TimeZone, "accountType": "atlassian",
	})
}

func (s *Site) project(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("key") != s.o.Project {
		writeErr(w, http.StatusNotFound, "No project could be found with key '"+r.PathValue("key")+"'.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": "10000", "key": s.o.Project, "name": "Operations"})
}

func (s *Site) userSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.ToLower(r.URL.Query().Get("query"))
	out := []jira.User{}
	for _, u := range s.o.Users {
		if q != "" && (strings.HasPrefix(strings.ToLower(u.EmailAddress), q) || strings.Contains(strings.ToLower(u.DisplayName), q)) {
			out = append(out, u)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Site) createIssue(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Fields == nil {
		writeErr(w, http.StatusBadRequest, "Unexpected character in the request body.")
		return
	}
	fields := map[string]any{}
	for k, v := range body.Fields {
		var x any
		json.Unmarshal(v, &x)
		fields[k] = x
	}
	errs := map[string]string{}
	var project, issuetype, priority struct{ Key, Name string }
	json.Unmarshal(body.Fields["project"], &project)
	json.Unmarshal(body.Fields["issuetype"], &issuetype)
	if project.Key != s.o.Project {
		errs["project"] = "valid project is required"
	}
	if issuetype.Name != "Task" && issuetype.Name != "Bug" {
		errs["issuetype"] = "Specify an issue type"
	}
	summary, _ := fields["summary"].(string)
	switch {
	case strings.TrimSpace(summary) == "":
		errs["summary"] = "You must specify a summary of the issue."
	case len([]rune(summary)) > 255 || strings.ContainsAny(summary, "\r\n"):
		errs["summary"] = "Summary must be less than 255 characters and on one line."
	}
	if raw, ok := body.Fields["priority"]; ok {
		json.Unmarshal(raw, &priority)
		if !slices.Contains(Priorities, priority.Name) {
			errs["priority"] = "Specify a valid 'id' or 'name' for Priority"
		}
	}
	if d, ok := fields["description"].(map[string]any); ok && (d["type"] != "doc" || d["version"] != float64(1)) {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
	}
	var labels []string
	if raw, ok := body.Fields["labels"]; ok {
		if json.Unmarshal(raw, &labels) != nil {
			errs["labels"] = "Labels must be a list of strings."
		}
		for _, l := range labels {
			if strings.ContainsAny(l, " \t") {
				errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
			}
		}
	}
	for _, f := range s.o.RequiredFields {
		if _, ok := fields[f.FieldID]; !ok && !f.HasDefaultValue {
			errs[f.FieldID] = f.Name + " is required."
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, jira.ErrorBody{ErrorMessages: []string{}, Errors: errs})
		return
	}
	is, lose := s.store(fields, labels, nil)
	if lose {
		writeErr(w, http.StatusBadGateway, "upstream timed out")
		return
	}
	writeJSON(w, http.StatusCreated, jira.CreatedIssue{ID: is.ID, Key: is.Key, Self: s.srv.URL + "/rest/api/3/issue/" + is.ID})
}

func (s *Site) createRequest(w http.ResponseWriter, r *http.Request) {
	var body jira.RequestCreate
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, jira.ErrorBody{ErrorMessage: "Invalid request body"})
		return
	}
	if body.ServiceDeskID != "10" || body.RequestTypeID == "" {
		writeJSON(w, http.StatusNotFound, jira.ErrorBody{ErrorMessage: "The request type you are trying to use does not exist."})
		return
	}
	summary, _ := body.RequestFieldValues["summary"].(string)
	if strings.TrimSpace(summary) == "" {
		writeJSON(w, http.StatusBadRequest, jira.ErrorBody{ErrorMessage: "Your request could not be created. Please check the fields have been correctly filled in. Summary is required."})
		return
	}
	var labels []string
	if ls, ok := body.RequestFieldValues["labels"].([]any); ok {
		for _, l := range ls {
			if s, ok := l.(string); ok {
				labels = append(labels, s)
			}
		}
	}
	is, lose := s.store(body.RequestFieldValues, labels, &body)
	if lose {
		writeErr(w, http.StatusBadGateway, "upstream timed out")
		return
	}
	var out jira.CreatedRequest
	out.IssueID, out.IssueKey = is.ID, is.Key
	out.CurrentStatus.Status, out.CurrentStatus.StatusCategory = "Waiting for support", "NEW"
	out.Links.Agent = s.srv.URL + "/browse/" + is.Key
	writeJSON(w, http.StatusCreated, out)
}

// store keeps a new issue and says whether to lose the answer.
func (s *Site) store(fields map[string]any, labels []string, req *jira.RequestCreate) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	is := &Issue{
		ID: strconv.Itoa(s.nextID), Key: s.o.Project + "-" + strconv.Itoa(len(s.issues)+1),
		Fields: fields, Labels: labels, Status: StatusToDo, Updated: s.o.Now().UTC(), JSM: req,
	}
	s.issues = append(s.issues, is)
	lose := s.lose
	s.lose = false
	return s.copyIssue(is), lose
}

var (
	jqlProject = regexp.MustCompile(`project\s*=\s*"?([A-Z0-9_]+)"?`)
	jqlLabel   = regexp.MustCompile(`labels\s*=\s*"((?:[^"\\]|\\.)*)"`)
	jqlUpdated = regexp.MustCompile(`updated\s*>=\s*"(\d{4}[-/]\d{2}[-/]\d{2} \d{2}:\d{2})"`)
)

// search understands the JQL the sink sends: project, labels = "…",
// updated >= "yyyy-MM-dd HH:mm" (in the user's zone), ORDER BY updated.
func (s *Site) search(w http.ResponseWriter, r *http.Request) {
	var req jira.SearchRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || strings.TrimSpace(req.JQL) == "" {
		writeErr(w, http.StatusBadRequest, "The JQL query is missing.")
		return
	}
	loc, err := time.LoadLocation(s.o.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	var label string
	var since time.Time
	if m := jqlLabel.FindStringSubmatch(req.JQL); m != nil {
		json.Unmarshal([]byte(`"`+m[1]+`"`), &label)
	}
	if m := jqlUpdated.FindStringSubmatch(req.JQL); m != nil {
		since, err = time.ParseInLocation("2006-01-02 15:04", strings.ReplaceAll(m[1], "/", "-"), loc)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, jira.ErrorBody{ErrorMessages: []string{"Date value '" + m[1] + "' for field 'updated' is invalid."}})
			return
		}
	}
	project := ""
	if m := jqlProject.FindStringSubmatch(req.JQL); m != nil {
		project = m[1]
		if project != s.o.Project {
			writeJSON(w, http.StatusBadRequest, jira.ErrorBody{ErrorMessages: []string{"The value '" + project + "' does not exist for the field 'project'."}})
			return
		}
	}
	s.mu.Lock()
	var hits []Issue
	for _, is := range s.issues {
		if label != "" && !slices.Contains(is.Labels, label) {
			continue
		}
		if !since.IsZero() && is.Updated.Before(since) {
			continue
		}
		hits = append(hits, s.copyIssue(is))
	}
	s.mu.Unlock()
	if strings.Contains(strings.ToLower(req.JQL), "order by updated") {
		slices.SortStableFunc(hits, func(a, b Issue) int { return a.Updated.Compare(b.Updated) })
	}
	start, _ := strconv.Atoi(req.NextPageToken)
	size := req.MaxResults
	if size <= 0 || size > 100 {
		size = 50
	}
	res := map[string]any{"issues": []any{}, "isLast": true}
	var page []any
	for i := start; i < len(hits) && i < start+size; i++ {
		page = append(page, s.render(hits[i], req.Expand == "changelog"))
	}
	if page != nil {
		res["issues"] = page
	}
	if start+size < len(hits) {
		res["isLast"] = false
		res["nextPageToken"] = strconv.Itoa(start + size)
	}
	writeJSON(w, http.StatusOK, res)
}

// render shows an issue the way search and get do.
func (s *Site) render(is Issue, changelog bool) map[string]any {
	comments := []map[string]any{}
	for _, c := range is.Comments {
		cm := map[string]any{"id": c.ID, "body": c.Body, "author": c.Author, "created": c.Created.Format(jira.TimeFormat)}
		if c.Visibility != nil {
			cm["visibility"] = c.Visibility
		}
		if c.Properties != nil {
			cm["properties"] = c.Properties
		}
		comments = append(comments, cm)
	}
	out := map[string]any{
		"id": is.ID, "key": is.Key, "self": s.srv.URL + "/rest/api/3/issue/" + is.ID,
		"fields": map[string]any{
			"status": is.Status, "labels": is.Labels, "updated": is.Updated.Format(jira.TimeFormat),
			"summary": is.Fields["summary"], "project": map[string]string{"key": s.o.Project},
			"comment": map[string]any{"comments": comments, "total": len(comments)},
		},
	}
	for _, k := range s.o.EditableFields {
		out["fields"].(map[string]any)[k] = is.Fields[k] // null until set, as Jira shows an empty field
	}
	files := []map[string]any{}
	for i, a := range is.Attachments {
		files = append(files, map[string]any{"id": strconv.Itoa(i + 1), "filename": a.Name, "size": a.Size, "mimeType": a.ContentType})
	}
	out["fields"].(map[string]any)["attachment"] = files
	if changelog {
		out["changelog"] = jira.Changelog{Histories: is.History, MaxResults: len(is.History), Total: len(is.History)}
	}
	return out
}

func (s *Site) getIssue(w http.ResponseWriter, r *http.Request) {
	is, ok := s.Issue(r.PathValue("key"))
	if !ok {
		writeFailure(w, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.render(is, r.URL.Query().Get("expand") == "changelog"))
}

// editIssue is the edit API for the one field ticketbridge edits, the
// priority: 204 on success, 400 naming a field it cannot set.
func (s *Site) editIssue(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, "Unexpected character in the request body.")
		return
	}
	errs := map[string]string{}
	var priority struct{ Name string }
	custom := map[string]any{}
	for k, raw := range body.Fields {
		if slices.Contains(s.o.EditableFields, k) {
			var v any
			if json.Unmarshal(raw, &v) != nil {
				errs[k] = "Field '" + k + "' has an invalid value."
			}
			custom[k] = v
			continue
		}
		if k != "priority" {
			errs[k] = "Field '" + k + "' cannot be set. It is not on the appropriate screen, or unknown."
			continue
		}
		if json.Unmarshal(raw, &priority) != nil || !slices.Contains(Priorities, priority.Name) {
			errs["priority"] = "Specify a valid 'id' or 'name' for Priority"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("key"))
	switch {
	case is == nil:
		writeFailure(w, http.StatusNotFound)
		return
	case len(errs) > 0:
		writeJSON(w, http.StatusBadRequest, jira.ErrorBody{ErrorMessages: []string{}, Errors: errs})
		return
	}
	if priority.Name != "" {
		is.Fields["priority"] = map[string]any{"name": priority.Name}
		is.Updated = s.o.Now().UTC()
	}
	for k, v := range custom {
		is.Fields[k] = v
		is.Updated = s.o.Now().UTC()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Site) comment(w http.ResponseWriter, r *http.Request) {
	var body jira.CommentCreate
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, "Comment body is not valid JSON.")
		return
	}
	if body.Body.Type != "doc" || len(body.Body.Content) == 0 {
		writeJSON(w, http.StatusBadRequest, jira.ErrorBody{Errors: map[string]string{"comment": "Comment body can not be empty!"}})
		return
	}
	if body.Visibility != nil && body.Visibility.Type == "role" && body.Visibility.Value != "Administrators" && body.Visibility.Value != "Developers" {
		writeJSON(w, http.StatusBadRequest, jira.ErrorBody{Errors: map[string]string{"commentLevel": "You are currently not a member of the project role: " + body.Visibility.Value + "."}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("key"))
	if is == nil {
		writeFailure(w, http.StatusNotFound)
		return
	}
	s.nextID++
	c := Comment{ID: strconv.Itoa(s.nextID), Body: body.Body, Author: s.bot(), Created: s.o.Now().UTC(), Visibility: body.Visibility, Properties: body.Properties}
	is.Comments = append(is.Comments, c)
	is.Updated = c.Created
	if s.loseComment {
		s.loseComment = false
		writeErr(w, http.StatusBadGateway, "Bad Gateway")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "body": c.Body, "author": c.Author, "created": c.Created.Format(jira.TimeFormat)})
}

// comments lists an issue's comments, oldest first or with
// orderBy=-created newest first, startAt/maxResults paged; properties only
// with expand=properties, as Jira does.
func (s *Site) comments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("key"))
	if is == nil {
		writeFailure(w, http.StatusNotFound)
		return
	}
	list := make([]Comment, len(is.Comments))
	copy(list, is.Comments)
	if q.Get("orderBy") == "-created" {
		slices.Reverse(list)
	}
	start, _ := strconv.Atoi(q.Get("startAt"))
	limit, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	start = min(max(start, 0), len(list))
	end := min(start+limit, len(list))
	page := jira.CommentPage{StartAt: start, MaxResults: limit, Total: len(list), Comments: []jira.CommentRead{}}
	withProps := strings.Contains(q.Get("expand"), "properties")
	for _, c := range list[start:end] {
		cr := jira.CommentRead{ID: c.ID}
		if withProps {
			cr.Properties = c.Properties
		}
		page.Comments = append(page.Comments, cr)
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Site) bot() jira.User {
	return jira.User{AccountID: s.o.AccountID, DisplayName: "ticketbridge", Active: true, AccountType: "atlassian"}
}

// attach reads the multipart body as a stream, as Jira does.
func (s *Site) attach(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Atlassian-Token") != "no-check" {
		writeErr(w, http.StatusForbidden, "XSRF check failed")
		return
	}
	if is, ok := s.Issue(r.PathValue("key")); !ok || is.Key == "" {
		writeFailure(w, http.StatusNotFound)
		return
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		writeErr(w, http.StatusBadRequest, "the request was rejected because no multipart boundary was found")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var got []Attachment
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeErr(w, http.StatusBadRequest, "broken multipart body")
			return
		}
		if p.FormName() != "file" {
			continue
		}
		n, err := io.Copy(io.Discard, p)
		if err != nil {
			writeErr(w, http.StatusBadRequest, "broken multipart body")
			return
		}
		if s.o.MaxAttachmentBytes > 0 && n > s.o.MaxAttachmentBytes {
			writeErr(w, http.StatusRequestEntityTooLarge, "The file is too large to attach.")
			return
		}
		got = append(got, Attachment{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Size: n})
	}
	if len(got) == 0 {
		writeErr(w, http.StatusBadRequest, "No file was attached.")
		return
	}
	s.mu.Lock()
	is := s.find(r.PathValue("key"))
	is.Attachments = append(is.Attachments, got...)
	lose := s.loseUpload
	s.loseUpload = false
	s.mu.Unlock()
	if lose {
		writeErr(w, http.StatusBadGateway, "Bad Gateway")
		return
	}
	out := []map[string]any{}
	for i, a := range got {
		out = append(out, map[string]any{"id": strconv.Itoa(i + 1), "filename": a.Name, "size": a.Size, "mimeType": a.ContentType})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Site) transitions(w http.ResponseWriter, r *http.Request) {
	is, ok := s.Issue(r.PathValue("key"))
	if !ok {
		writeFailure(w, http.StatusNotFound)
		return
	}
	out := jira.Transitions{Transitions: []jira.Transition{}}
	for _, t := range workflow {
		if t.To.ID != is.Status.ID {
			out.Transitions = append(out.Transitions, t)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// transition serves both the platform API ({"transition":{"id"}}) and the
// JSM request API ({"id"}).
func (s *Site) transition(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID         string `json:"id"`
		Transition struct {
			ID string `json:"id"`
		} `json:"transition"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	id := body.Transition.ID
	if strings.Contains(r.URL.Path, "/servicedeskapi/") {
		id = body.ID
	}
	s.mu.Lock()
	is := s.find(r.PathValue("key"))
	s.mu.Unlock()
	if is == nil {
		writeFailure(w, http.StatusNotFound)
		return
	}
	for _, t := range workflow {
		if t.ID == id {
			if _, err := s.Move(is.Key, t.To.Name, s.o.AccountID); err != nil {
				writeErr(w, http.StatusBadRequest, err.Error())
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	writeErr(w, http.StatusBadRequest, "Transition id '"+id+"' is not valid for this issue.")
}

func (s *Site) issueTypes(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("project") != s.o.Project {
		writeErr(w, http.StatusNotFound, "No project could be found with key '"+r.PathValue("project")+"'.")
		return
	}
	types := []jira.IssueType{{ID: "10001", Name: "Task"}, {ID: "10002", Name: "Bug"}}
	writeJSON(w, http.StatusOK, jira.IssueTypePage{IssueTypes: types, MaxResults: 50, Total: len(types)})
}

func (s *Site) createFields(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if r.PathValue("project") != s.o.Project || (id != "10001" && id != "10002") {
		writeErr(w, http.StatusNotFound, "Issue type with id '"+id+"' does not exist.")
		return
	}
	prio := make([]json.RawMessage, 0, len(Priorities))
	for i, p := range Priorities {
		raw, _ := json.Marshal(map[string]string{"id": strconv.Itoa(i + 1), "name": p})
		prio = append(prio, raw)
	}
	fields := []jira.FieldMeta{
		{FieldID: "summary", Name: "Summary", Required: true},
		{FieldID: "issuetype", Name: "Issue Type", Required: true},
		{FieldID: "project", Name: "Project", Required: true},
		{FieldID: "description", Name: "Description"},
		{FieldID: "reporter", Name: "Reporter", Required: true, HasDefaultValue: true},
		{FieldID: "priority", Name: "Priority", HasDefaultValue: true, AllowedValues: prio},
		{FieldID: "labels", Name: "Labels"},
		{FieldID: "customfield_10050", Name: "Chat link"},
	}
	fields = append(fields, s.o.RequiredFields...)
	// Two pages, so that paging is exercised.
	start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
	end := min(start+5, len(fields))
	if start > len(fields) {
		start = len(fields)
	}
	writeJSON(w, http.StatusOK, jira.FieldPage{Fields: fields[start:end], StartAt: start, MaxResults: 5, Total: len(fields)})
}
