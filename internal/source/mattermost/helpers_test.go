package mattermost_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost/mattermostfake"
)

const (
	outToken     = "outgoingtoken00000000000a"
	cmdToken     = "commandtoken000000000000a"
	actionSecret = "action-secret-0123456789abcdef"
	publicURL    = "https://tickets.example.com"
	// Fixed ids of the golden fixtures.
	channel   = "chan0000000000000000000001"
	annID     = "ann00000000000000000000001"
	rootID    = "root000000000000000000001a"
	replyID   = "reply00000000000000000001a"
	botPostID = "botpost0000000000000000001"
	fileID    = "file0000000000000000000001"
)

var clock = time.Date(2026, 11, 28, 10, 0, 30, 0, time.UTC)

func fixedNow() time.Time { return clock }

// noButtons as ActionSecret asks newSource for text prompts.
const noButtons = "none"

// newSource builds a source against fake (a new one when nil), with
// every token and the buttons configured unless s says otherwise.
func newSource(t testing.TB, fake *mattermostfake.Server, s mattermost.Settings) *mattermost.Source {
	t.Helper()
	if fake == nil {
		fake = mattermostfake.New(t)
	}
	if s.URL == "" {
		s.URL = fake.URL()
	}
	if s.BotToken == "" {
		s.BotToken = mattermostfake.Token
	}
	if s.OutgoingToken == "" && s.CommandToken == "" {
		s.OutgoingToken, s.CommandToken = outToken, cmdToken
	}
	switch {
	case s.ActionSecret == noButtons:
		s.ActionSecret, s.PublicURL = "", ""
	case s.ActionSecret == "" && s.PublicURL == "":
		s.ActionSecret, s.PublicURL = actionSecret, publicURL
	}
	src, err := mattermost.New("mm", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

// inbound turns a fake request into a server-side *http.Request.
func inbound(t testing.TB, req mattermostfake.Request) (*http.Request, []byte) {
	t.Helper()
	target := "/hooks/im/mm"
	if req.Query != nil {
		target += "?" + req.Query.Encode()
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(req.Body))
	if req.ContentType != "" {
		r.Header.Set("Content-Type", req.ContentType)
	}
	if req.Authorization != "" {
		r.Header.Set("Authorization", req.Authorization)
	}
	return r, req.Body
}

// seedPosts puts the fixtures' posts on fake.
func seedPosts(fake *mattermostfake.Server) {
	fake.AddPost(mattermostfake.Post{ID: rootID, CreateAt: 1795860000000, UserID: annID, ChannelID: channel, Message: "the printer is on fire"})
	fake.AddPost(mattermostfake.Post{ID: replyID, CreateAt: 1795860005000, UserID: annID, ChannelID: channel, RootID: rootID, Message: "/ticket printer on floor 3"})
	fake.AddPost(mattermostfake.Post{ID: botPostID, CreateAt: 1795860006000, UserID: "hookuser00000000000000001a", ChannelID: channel, Message: "build failed",
		Props: map[string]any{"from_webhook": "true"}})
	fake.AddFile(mattermostfake.FileInfo{ID: fileID, Name: "screenshot.png", MimeType: "image/png"}, []byte("\x89PNG fake image bytes"))
	fake.AddPost(mattermostfake.Post{ID: "withfile000000000000000001", CreateAt: 1795860007000, UserID: annID, ChannelID: channel, Message: "see attached",
		FileIDs: []string{fileID}, Metadata: map[string]any{"files": []mattermostfake.FileInfo{{ID: fileID, Name: "screenshot.png", MimeType: "image/png", Size: 21}}}})
}

func sourceDeps() source.Deps {
	return source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}}
}
