package github

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// maxTitle is GitHub's limit on an issue title (Gitea's is the same).
const maxTitle = 255

// Create opens an issue with the draft's text, labels and the external
// id marker in the body.
func (s *Sink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	const op = "create issue"
	if t.ExternalID == "" {
		return core.TicketRef{}, &core.CallError{Op: op, Permanent: true, Message: "draft has no external id"}
	}
	body := map[string]any{"title": sinkhttp.Title(t, maxTitle), "body": sinkhttp.IssueText(t)}
	names := s.labelNames(t)
	if s.dialect == TypeGitea {
		ids, err := s.labelIDs(ctx, names)
		if err != nil {
			return core.TicketRef{}, err
		}
		if len(ids) > 0 {
			body["labels"] = ids
		}
	} else if len(names) > 0 {
		// GitHub creates missing labels for users with push access and
		// drops them silently for others; doctor checks the access.
		body["labels"] = names
	}
	var is Issue
	if err := s.c.JSON(ctx, op, "POST", s.repoPath()+"/issues", body, &is); err != nil {
		return core.TicketRef{}, err
	}
	if is.Number == 0 {
		return core.TicketRef{}, &core.CallError{Op: op, Status: 201, Message: "answer has no issue number"}
	}
	if is.User.Login != "" {
		s.setLogin(is.User.Login)
	}
	return s.ref(is), nil
}

func (s *Sink) ref(is Issue) core.TicketRef {
	return core.TicketRef{Sink: s.id, Key: strconv.Itoa(is.Number), URL: is.HTMLURL, Status: is.State}
}

// labelNames are the configured, the draft's and the priority's labels,
// without duplicates.
func (s *Sink) labelNames(t core.TicketDraft) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		l = strings.TrimSpace(l)
		if l != "" && !seen[strings.ToLower(l)] {
			seen[strings.ToLower(l)] = true
			out = append(out, l)
		}
	}
	for _, l := range s.s.Labels {
		add(l)
	}
	for _, l := range t.Labels {
		add(l)
	}
	if p, ok := s.s.PriorityLabels[strings.ToLower(t.Priority)]; ok {
		add(p)
	}
	return out
}

// labelIDs resolves label names to Gitea ids; unknown names are logged
// and left out (Gitea refuses the whole issue otherwise).
func (s *Sink) labelIDs(ctx context.Context, names []string) ([]int64, error) {
	if len(names) == 0 {
		return nil, nil
	}
	known, err := s.repoLabels(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, n := range names {
		if id, ok := known[strings.ToLower(n)]; ok {
			out = append(out, id)
		} else {
			s.log.Warn("gitea: label does not exist in the repository", "sink", s.id, "label", n)
		}
	}
	return out, nil
}

func (s *Sink) repoLabels(ctx context.Context) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.labels != nil {
		return s.labels, nil
	}
	var ls []Label
	if err := s.c.JSON(ctx, "list labels", "GET", s.repoPath()+"/labels?limit=100", nil, &ls); err != nil {
		return nil, err
	}
	s.labels = map[string]int64{}
	for _, l := range ls {
		s.labels[strings.ToLower(l.Name)] = l.ID
	}
	return s.labels, nil
}

// FindByExternalID looks for the marker among the newest issues the
// token's user opened, in any state. A lost answer is retried within
// minutes, so the issue is among them; search APIs are avoided because
// GitHub's index lags.
func (s *Sink) FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error) {
	login, err := s.self(ctx)
	if err != nil {
		return core.TicketRef{}, false, err
	}
	q := url.Values{"state": {"all"}}
	if s.dialect == TypeGitHub {
		q.Set("creator", login)
		q.Set("sort", "created")
		q.Set("direction", "desc")
		q.Set("per_page", "50")
	} else {
		q.Set("type", "issues")
		q.Set("created_by", login)
		q.Set("limit", "50")
	}
	var list []Issue
	if err := s.c.JSON(ctx, "find issue", "GET", s.repoPath()+"/issues?"+q.Encode(), nil, &list); err != nil {
		return core.TicketRef{}, false, err
	}
	for _, is := range list {
		if is.PullRequest == nil && sinkhttp.ExternalIDOf(is.Body) == externalID {
			return s.ref(is), true, nil
		}
	}
	return core.TicketRef{}, false, nil
}

// Comment posts an issue comment, marked as ours. Internal comments are
// skipped unless internal_comments is "post": issues have no private
// comments and are often public.
func (s *Sink) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	const op = "add comment"
	n, err := number(op, ref)
	if err != nil {
		return err
	}
	if strings.TrimSpace(c.Body) == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "comment is empty"}
	}
	text := c.Body
	if !c.Public {
		if s.s.InternalComments != "post" {
			s.log.Info("github: internal comment not posted (internal_comments: skip)", "sink", s.id, "issue", ref.Key)
			return nil
		}
		text = "Internal: " + text
	}
	text = sinkhttp.Marked(text, c.Key, sinkhttp.Hidden)
	return s.c.JSON(ctx, op, "POST", fmt.Sprintf("%s/issues/%s/comments", s.repoPath(), n), map[string]string{"body": text + "\n\n" + CommentMarker}, nil)
}

// commentPage is how many comments FindComment asks for a page, the most
// GitHub gives.
const commentPage = 100

// FindComment looks among the issue's newest comments for one whose
// hidden marker (<!-- ticketbridge:KEY -->, which Comment adds) starts
// with prefix. Issue comments list oldest first with no other order, so
// it reads the issue's comment count and then the last page and the one
// before it: the newest 100 to 200 comments. Gitea lists every comment of
// an issue in one answer and ignores the paging.
func (s *Sink) FindComment(ctx context.Context, ref core.TicketRef, prefix string) (string, bool, error) {
	const op = "find comment"
	n, err := number(op, ref)
	if err != nil {
		return "", false, err
	}
	var is Issue
	if err := s.c.JSON(ctx, op, "GET", s.repoPath()+"/issues/"+n, nil, &is); err != nil {
		return "", false, err
	}
	last := max(1, (is.Comments+commentPage-1)/commentPage)
	for page := last; page >= max(1, last-1); page-- {
		q := url.Values{"per_page": {strconv.Itoa(commentPage)}, "page": {strconv.Itoa(page)}}
		var cs []Comment
		if err := s.c.JSON(ctx, op, "GET", s.repoPath()+"/issues/"+n+"/comments?"+q.Encode(), nil, &cs); err != nil {
			return "", false, err
		}
		bodies := make([]string, len(cs))
		for i, c := range cs {
			bodies[len(cs)-1-i] = c.Body // newest first
		}
		if key, found := sinkhttp.FindMarked(bodies, prefix); found {
			return key, true, nil
		}
	}
	return "", false, nil
}

func number(op string, ref core.TicketRef) (string, error) {
	if n, err := strconv.Atoi(ref.Key); err != nil || n <= 0 {
		return "", &core.CallError{Op: op, Permanent: true, Message: fmt.Sprintf("issue key %q is not an issue number", ref.Key)}
	}
	return ref.Key, nil
}

// self is the token's login, read once.
func (s *Sink) self(ctx context.Context) (string, error) {
	s.mu.Lock()
	login := s.login
	s.mu.Unlock()
	if login != "" {
		return login, nil
	}
	var u User
	if err := s.c.JSON(ctx, "read user", "GET", "/user", nil, &u); err != nil {
		return "", err
	}
	s.setLogin(u.Login)
	return u.Login, nil
}

func (s *Sink) setLogin(l string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.login = l
}

func (s *Sink) knownLogin() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.login
}
