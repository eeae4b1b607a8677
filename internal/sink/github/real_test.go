package github_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/github"
	"github.com/ticketbridge/ticketbridge/internal/sink/github/githubfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
)

// giteaAPI talks to the real Gitea .ci/gitea.sh starts, as its admin or,
// with sudo set, as that user (Gitea's Sudo header for admin tokens).
type giteaAPI struct {
	t          *testing.T
	url, token string
	sudo       string
}

// as is g acting as user.
func (g giteaAPI) as(user string) giteaAPI {
	g.sudo = user
	return g
}

func (g giteaAPI) do(method, path string, body, out any) {
	g.t.Helper()
	g.send(method, path, body, out, false)
}

// send is do; with tolerateConflict, a 409 or 422 (it exists already)
// is not a failure.
func (g giteaAPI) send(method, path string, body, out any, tolerateConflict bool) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(g.t.Context(), method, g.url+"/api/v1"+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+g.token)
	req.Header.Set("Content-Type", "application/json")
	if g.sudo != "" {
		req.Header.Set("Sudo", g.sudo)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if tolerateConflict && (resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusUnprocessableEntity) {
		return
	}
	if resp.StatusCode/100 != 2 {
		g.t.Fatalf("gitea %s %s: %s %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			g.t.Fatalf("gitea %s %s: %v", method, path, err)
		}
	}
}

// TestRealGitea runs the gitea dialect through the whole app against a
// real Gitea: a chat command opens an issue with its labels, a follow-up
// and a file reach it, their look-ups find them there, and an agent's
// comment and the closing come back as signed webhooks to the chat. It
// runs when .ci/gitea.sh has been run (not in .ci/run: the first build
// takes minutes).
func TestRealGitea(t *testing.T) {
	base, token, user := os.Getenv("TICKETBRIDGE_TEST_GITEA_URL"), os.Getenv("TICKETBRIDGE_TEST_GITEA_TOKEN"), os.Getenv("TICKETBRIDGE_TEST_GITEA_USER")
	if base == "" || token == "" || user == "" {
		t.Skip(`TICKETBRIDGE_TEST_GITEA_URL, _TOKEN and _USER are not set: build and start a real Gitea with eval "$(.ci/gitea.sh)"`)
	}
	g := giteaAPI{t: t, url: base, token: token}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	repo := "tb-" + hex.EncodeToString(b)
	g.do("POST", "/user/repos", map[string]any{"name": repo, "private": false}, nil)
	full := user + "/" + repo
	for _, l := range []string{"from-chat", "P1"} {
		g.do("POST", "/repos/"+full+"/labels", map[string]string{"name": l, "color": "#e11d21"}, nil)
	}
	// The agent is another user: what the token's own user does is ours.
	const agent = "tb-agent"
	g.send("POST", "/admin/users", map[string]any{"username": agent, "email": agent + "@ticketbridge.test",
		"password": "ticketbridge-test-1", "must_change_password": false}, nil, true)
	g.do("PUT", "/repos/"+full+"/collaborators/"+agent, map[string]string{"permission": "write"}, nil)

	shot := append([]byte("\x89PNG\r\n\x1a\n"), []byte(strings.Repeat("pixels", 300))...)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(shot) }))
	t.Cleanup(files.Close)
	const secret = "real-gitea-hook-secret"
	settings := map[string]any{"labels": []string{"from-chat"}, "priority_labels": map[string]string{"high": "P1"}}
	conn := connector(githubfake.Options{Dialect: github.TypeGitea, Token: token, Repository: full, WebhookSecret: secret}, base, settings)
	br := apptest.Start(t, conn, func(cfg *config.Config) { cfg.Blob.Dir = t.TempDir() })
	g.do("POST", "/repos/"+full+"/hooks", map[string]any{
		"type": "gitea", "active": true, "events": []string{"issues", "issue_comment"},
		"config": map[string]string{"url": br.Srv.URL + "/hooks/tickets/gh", "content_type": "json", "secret": secret},
	}, nil)

	ev := generictest.Message("g1", "cust-g1", "/ticket the VPN drops every hour")
	ev.Attachments = []core.Attachment{{ID: "a1", Name: "shot.png", URL: files.URL + "/shot.png"}}
	resp, err := generictest.Send(t.Context(), br.Srv.URL, "chat", br.Key, ev)
	br.Delivered(resp, err)
	got := br.Replies(1)
	var issues []github.Issue
	g.do("GET", "/repos/"+full+"/issues?state=all&type=issues", nil, &issues)
	if len(issues) != 1 || !strings.Contains(got[0], issues[0].HTMLURL) || sinkhttp.ExternalIDOf(issues[0].Body) == "" {
		t.Fatalf("issues %+v, notice %q", issues, got[0])
	}
	n := strconv.Itoa(issues[0].Number)
	ref := core.TicketRef{Sink: "gh", Key: n, URL: issues[0].HTMLURL}

	br.Say("g1", "also the box was wet")
	var comments []github.Comment
	waitFor(t, "the follow-up on the issue", func() bool {
		g.do("GET", "/repos/"+full+"/issues/"+n+"/comments", nil, &comments)
		for _, c := range comments {
			if strings.Contains(c.Body, "box was wet") {
				return true
			}
		}
		return false
	})
	var assets []github.Asset
	waitFor(t, "the file on the issue", func() bool {
		g.do("GET", "/repos/"+full+"/issues/"+n+"/assets", nil, &assets)
		return len(assets) == 1 && assets[0].Name == "shot.png" && assets[0].Size == int64(len(shot))
	})

	// The look-ups a retry makes find what the first attempts wrote.
	sk, err := github.New("gh", github.TypeGitea, github.Settings{URL: base, Token: token, Repository: full, WebhookSecret: secret}, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	gs := github.GiteaSink{Sink: sk}
	key, found, err := gs.FindComment(t.Context(), ref, "tb-append-")
	if err != nil || !found {
		t.Fatalf("FindComment = %q %v %v, want the follow-up's key", key, found, err)
	}
	if found, err := gs.FindAttachment(t.Context(), ref, core.File{Name: "shot.png", Size: int64(len(shot))}); err != nil || !found {
		t.Fatalf("FindAttachment = %v %v", found, err)
	}

	// An agent answers and closes; Gitea signs its webhooks with the secret.
	g.as(agent).do("POST", "/repos/"+full+"/issues/"+n+"/comments", map[string]string{"body": "We replaced the VPN gateway."}, nil)
	got = br.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice %q", got[1])
	}
	g.as(agent).do("PATCH", "/repos/"+full+"/issues/"+n, map[string]string{"state": "closed"}, nil)
	got = br.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "closed") {
		t.Fatalf("state notice %q", got[2])
	}
	if strings.Contains(strings.Join(got, "\n"), "box was wet") {
		t.Fatalf("our own comment was echoed: %q", got)
	}
}

// waitFor polls cond until it holds or 30 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
