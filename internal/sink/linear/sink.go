package linear

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// GraphQL operations; the fake dispatches on their names.
const (
	qIssueCreate    = `mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier title url state { id name type } } } }`
	qIssue          = `query Issue($id: String!) { issue(id: $id) { id identifier title url description state { id name type } } }`
	qComment        = `mutation CommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id } } }`
	qCommentRead    = `query Comment($id: String!) { comment(id: $id) { id issue { id } } }`
	qTeam           = `query Team($id: String!) { team(id: $id) { id key name states { nodes { id name type position } } } }`
	qIssueUpdate    = `mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success issue { id state { id name type } } } }`
	qFileUpload     = `mutation FileUpload($contentType: String!, $filename: String!, $size: Int!) { fileUpload(contentType: $contentType, filename: $filename, size: $size) { success uploadFile { uploadUrl assetUrl headers { key value } } } }`
	qAttachment     = `mutation AttachmentCreate($input: AttachmentCreateInput!) { attachmentCreate(input: $input) { success attachment { id } } }`
	qAttachmentRead = `query Attachment($id: String!) { attachment(id: $id) { id issue { id } } }`
	qViewer         = `query Viewer { viewer { id name } }`
)

const maxTitle = 255

// Create makes the issue under the id IssueID(external id). Should the
// create fail after Linear made the issue (a retried request, a lost
// answer), the issue is read back by that id instead of failing.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create issue"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	input := map[string]any{
		"id": IssueID(t.ExternalID), "teamId": s.s.TeamID, "title": sinkhttp.Title(t, maxTitle), "description": description(t),
	}
	if p := priority(t.Priority); p != 0 {
		input["priority"] = p
	}
	if len(s.s.LabelIDs) > 0 {
		input["labelIds"] = s.s.LabelIDs
	}
	var out struct {
		IssueCreate struct {
			Success bool  `json:"success"`
			Issue   Issue `json:"issue"`
		} `json:"issueCreate"`
	}
	err := s.c.do(ctx, op, "IssueCreate", qIssueCreate, map[string]any{"input": input}, &out)
	if err == nil && out.IssueCreate.Success && out.IssueCreate.Issue.ID != "" {
		return s.ref(out.IssueCreate.Issue), nil
	}
	// Under a rate limit the look-up would only spend the budget.
	if _, limited := core.RetryAfterOf(err); !limited {
		if ref, ok, ferr := s.FindByExternalID(ctx, t.ExternalID); ferr == nil && ok {
			return ref, nil
		}
	}
	if err == nil {
		err = &core.CallError{Op: op, Status: 200, Message: "issueCreate did not succeed"}
	}
	return core.TicketRef{}, err
}

func (s *Sink) ref(is Issue) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: is.ID, URL: is.URL, Status: is.State.Name}
}

func description(t core.TicketDraft) string {
	var b strings.Builder
	if d := strings.TrimSpace(t.Description); d != "" {
		b.WriteString(d + "\n\n")
	}
	switch r := t.Requester; {
	case r.Name != "" && r.Email != "":
		b.WriteString("Requested by " + r.Name + " <" + r.Email + ">\n\n")
	case r.Name != "" || r.Email != "":
		b.WriteString("Requested by " + r.Name + r.Email + "\n\n")
	}
	b.WriteString(MarkerPrefix + t.ExternalID)
	return b.String()
}

// ExternalIDOf reads the external id from a description.
func ExternalIDOf(desc string) string {
	for _, line := range strings.Split(desc, "\n") {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), MarkerPrefix); ok {
			return strings.TrimSpace(id)
		}
	}
	return ""
}

// priority maps ours to Linear's 1 urgent … 4 low (0: none).
func priority(p string) int {
	return map[string]int{"urgent": 1, "high": 2, "normal": 3, "low": 4}[strings.ToLower(p)]
}

// FindByExternalID reads the issue by the id we chose for it.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	is, err := s.issue(ctx, IssueID(externalID))
	if errors.Is(err, errNotFound) {
		return core.TicketRef{}, false, nil
	}
	if err != nil {
		return core.TicketRef{}, false, err
	}
	return s.ref(is), true, nil
}

var errNotFound = errors.New("issue not found")

func (s *Sink) issue(ctx context.Context, id string) (Issue, error) {
	var out struct {
		Issue *Issue `json:"issue"`
	}
	err := s.c.do(ctx, "read issue", "Issue", qIssue, map[string]any{"id": id}, &out)
	var ce *core.CallError
	if errors.As(err, &ce) && strings.Contains(strings.ToLower(ce.Message), "not found") {
		return Issue{}, errNotFound
	}
	if err != nil {
		return Issue{}, err
	}
	if out.Issue == nil {
		return Issue{}, errNotFound
	}
	return *out.Issue, nil
}

// Comment adds a comment. Linear is the team's own tool, which the
// requester never sees, so public and internal comments are posted
// alike; only the chat side tells them apart.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add comment"
	if ref.Key == "" || strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "issue id or comment is empty"}
	}
	var out struct {
		CommentCreate struct {
			Success bool `json:"success"`
		} `json:"commentCreate"`
	}
	input := map[string]any{"issueId": ref.Key, "body": c.Body}
	if c.Key != "" {
		input["id"] = CommentID(c.Key)
	}
	err := s.c.do(ctx, op, "CommentCreate", qComment, map[string]any{"input": input}, &out)
	if err == nil && out.CommentCreate.Success {
		return nil
	}
	// A keyed comment that failed (Linear refuses an id it already has; an
	// answer was lost) may be there: read it back by its id. Under a rate
	// limit the look-up would only spend the budget.
	if _, limited := core.RetryAfterOf(err); c.Key != "" && !limited {
		if ok, ferr := s.hasComment(ctx, ref, CommentID(c.Key)); ferr == nil && ok {
			return nil
		}
	}
	if err == nil {
		err = &core.CallError{Op: op, Status: 200, Message: "commentCreate did not succeed"}
	}
	return err
}

// CommentsIdempotently: a keyed comment is created under the id
// CommentID(key), which Linear keeps once; Comment reads a refused repeat
// back by that id and reports it written.
func (s *Sink) CommentsIdempotently() bool { return true }

// hasComment reports whether the comment with id is on ref's issue.
func (s *Sink) hasComment(ctx context.Context, ref core.TicketRef, id string) (bool, error) {
	var out struct {
		Comment *struct {
			ID    string `json:"id"`
			Issue struct {
				ID string `json:"id"`
			} `json:"issue"`
		} `json:"comment"`
	}
	err := s.c.do(ctx, "read comment", "Comment", qCommentRead, map[string]any{"id": id}, &out)
	var ce *core.CallError
	if errors.As(err, &ce) && strings.Contains(strings.ToLower(ce.Message), "not found") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out.Comment != nil && out.Comment.Issue.ID == ref.Key, nil
}

// Status reads the issue's workflow state name.
func (s *Sink) Status(ctx context.Context, ref core.TicketRef) (string, error) {
	is, err := s.issue(ctx, ref.Key)
	if errors.Is(err, errNotFound) {
		return "", &core.CallError{Op: "read issue", Permanent: true, Message: fmt.Sprintf("issue %s not found", ref.Key)}
	}
	return is.State.Name, err
}
