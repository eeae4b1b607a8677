package linearfake

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/sink/linear"
)

func (s *Server) operation(w http.ResponseWriter, req linear.Request) {
	v := req.Variables
	input, _ := v["input"].(map[string]any)
	str := func(m map[string]any, k string) string { x, _ := m[k].(string); return x }
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.OperationName {
	case "Viewer":
		data(w, map[string]any{"viewer": map[string]string{"id": ViewerID, "name": "ticketbridge"}})
	case "Team":
		if str(v, "id") != TeamID {
			graphQLError(w, 400, "INVALID_INPUT", "Entity not found: Team", nil)
			return
		}
		nodes := make([]map[string]any, len(States))
		for i, st := range States {
			nodes[i] = map[string]any{"id": st.ID, "name": st.Name, "type": st.Type, "position": float64(i)}
		}
		data(w, map[string]any{"team": map[string]any{"id": TeamID, "key": "ENG", "name": "Engineering", "states": map[string]any{"nodes": nodes}}})
	case "IssueCreate":
		s.create(w, input)
	case "Issue":
		is := s.find(str(v, "id"))
		if is == nil {
			graphQLError(w, 400, "INVALID_INPUT", "Entity not found: Issue", nil)
			return
		}
		data(w, map[string]any{"issue": is.Issue})
	case "CommentCreate":
		is := s.find(str(input, "issueId"))
		if is == nil || strings.TrimSpace(str(input, "body")) == "" {
			graphQLError(w, 400, "INVALID_INPUT", "Argument Validation Error", nil)
			return
		}
		id := str(input, "id")
		if id == "" {
			id = fmt.Sprintf("c-%d", len(s.comments)+1)
		} else if _, ok := s.comments[id]; ok {
			graphQLError(w, 400, "INVALID_INPUT", "Entity already exists: Comment", nil)
			return
		}
		s.comments[id] = is.ID
		is.Comments = append(is.Comments, str(input, "body"))
		if s.loseComment {
			s.loseComment = false
			panic(http.ErrAbortHandler)
		}
		data(w, map[string]any{"commentCreate": map[string]any{"success": true, "comment": map[string]string{"id": id}}})
	case "Comment":
		issue, ok := s.comments[str(v, "id")]
		if !ok {
			graphQLError(w, 400, "INVALID_INPUT", "Entity not found: Comment", nil)
			return
		}
		data(w, map[string]any{"comment": map[string]any{"id": str(v, "id"), "issue": map[string]string{"id": issue}}})
	case "IssueUpdate":
		is := s.find(str(v, "id"))
		i := slices.IndexFunc(States, func(st linear.State) bool { return st.ID == str(input, "stateId") })
		if is == nil || i < 0 {
			graphQLError(w, 400, "INVALID_INPUT", "Entity not found", nil)
			return
		}
		is.State = States[i]
		data(w, map[string]any{"issueUpdate": map[string]any{"success": true, "issue": is.Issue}})
	case "FileUpload":
		size, _ := v["size"].(float64)
		n := len(s.files) + 1
		asset := fmt.Sprintf("https://uploads.linear.app/fake/%d", n)
		s.files[asset] = -1
		data(w, map[string]any{"fileUpload": map[string]any{"success": true, "uploadFile": map[string]any{
			"uploadUrl": fmt.Sprintf("%s/storage/%d?size=%d", s.srv.URL, n, int64(size)), "assetUrl": asset,
			"headers": []map[string]string{{"key": "x-goog-content-length-range", "value": "0," + strconv.FormatInt(s.opts.MaxFileBytes, 10)}},
		}}})
	case "AttachmentCreate":
		is := s.find(str(input, "issueId"))
		size, stored := s.files[str(input, "url")]
		if is == nil || !stored || size < 0 {
			graphQLError(w, 400, "INVALID_INPUT", "Argument Validation Error: url", nil)
			return
		}
		id := str(input, "id")
		if id == "" {
			id = fmt.Sprintf("a-%d", len(s.attachments)+1)
		} else if _, ok := s.attachments[id]; ok {
			graphQLError(w, 400, "INVALID_INPUT", "Entity already exists: Attachment", nil)
			return
		}
		s.attachments[id] = is.ID
		is.Attachments = append(is.Attachments, Attachment{Title: str(input, "title"), URL: str(input, "url"), Size: size})
		if s.loseAttachment {
			s.loseAttachment = false
			panic(http.ErrAbortHandler)
		}
		data(w, map[string]any{"attachmentCreate": map[string]any{"success": true, "attachment": map[string]string{"id": id}}})
	case "Attachment":
		issue, ok := s.attachments[str(v, "id")]
		if !ok {
			graphQLError(w, 400, "INVALID_INPUT", "Entity not found: Attachment", nil)
			return
		}
		data(w, map[string]any{"attachment": map[string]any{"id": str(v, "id"), "issue": map[string]string{"id": issue}}})
	default:
		graphQLError(w, 400, "GRAPHQL_VALIDATION_FAILED", "Unknown operation "+req.OperationName, nil)
	}
}

func (s *Server) create(w http.ResponseWriter, in map[string]any) {
	id, _ := in["id"].(string)
	title, _ := in["title"].(string)
	if team, _ := in["teamId"].(string); team != TeamID || strings.TrimSpace(title) == "" {
		graphQLError(w, 400, "INVALID_INPUT", "Argument Validation Error", nil)
		return
	}
	if id != "" && s.find(id) != nil {
		graphQLError(w, 400, "INVALID_INPUT", "Entity already exists: Issue", nil)
		return
	}
	desc, _ := in["description"].(string)
	p, _ := in["priority"].(float64)
	n := len(s.issues) + 1
	is := &Issue{Issue: linear.Issue{ID: id, Identifier: fmt.Sprintf("ENG-%d", n), Title: title, Description: desc,
		URL: fmt.Sprintf("https://linear.app/acme/issue/ENG-%d", n), State: States[0]}, Priority: int(p)}
	if ls, ok := in["labelIds"].([]any); ok {
		for _, l := range ls {
			is.LabelIDs = append(is.LabelIDs, fmt.Sprint(l))
		}
	}
	s.issues = append(s.issues, is)
	if s.loseNext {
		s.loseNext = false
		panic(http.ErrAbortHandler)
	}
	data(w, map[string]any{"issueCreate": map[string]any{"success": true, "issue": is.Issue}})
}

// store is the signed-URL file store: it wants the headers fileUpload
// gave and the declared size, and refuses files over its limit the way
// Google Cloud Storage does.
func (s *Server) store(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut || r.Header.Get("x-goog-content-length-range") == "" || r.ContentLength < 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	n, _ := io.Copy(io.Discard, r.Body)
	if n > s.opts.MaxFileBytes {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<Error><Code>EntityTooLarge</Code></Error>")
		return
	}
	num := strings.TrimPrefix(r.URL.Path, "/storage/")
	s.mu.Lock()
	s.files["https://uploads.linear.app/fake/"+num] = n
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
