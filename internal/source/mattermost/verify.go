package mattermost

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Actions a button's context may carry.
const (
	ContextConfirm = core.ActionConfirm
	ContextReject  = core.ActionReject
	// ContextCreate is a "Create ticket" button on a message: Token is the
	// id of the post to open a ticket about.
	ContextCreate = "create_ticket"
)

// kind is what one inbound request is.
type kind int

const (
	kindOutgoing kind = iota + 1 // outgoing webhook
	kindCommand                  // slash command
	kindAction                   // button press
)

// request is an inbound request, classified and decoded once for Verify
// and again for Parse (the body is small; nothing is cached between them).
type request struct {
	kind kind
	// outgoing webhook (both encodings, decoded into the JSON shape) and
	// whether its timestamp is in seconds (form) or milliseconds (JSON).
	out        outgoingJSON
	outSeconds bool
	// slash command form
	form url.Values
	// button press
	act actionRequest
	raw []byte
}

// classify tells the three kinds apart: a GET or a form with "command"
// is a slash command, a JSON object with "context" a button press, and
// any other form or JSON object an outgoing webhook.
func classify(r *http.Request, body []byte) (request, error) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if !q.Has("command") {
			return request{}, fmt.Errorf("a GET must be a slash command")
		}
		return request{kind: kindCommand, form: q}, nil
	}
	if isForm(r, body) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return request{}, fmt.Errorf("invalid form encoding")
		}
		if form.Has("command") {
			return request{kind: kindCommand, form: form}, nil
		}
		return request{kind: kindOutgoing, out: outgoingFromForm(form), outSeconds: true}, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return request{}, fmt.Errorf("body is neither a form nor a JSON object")
	}
	if c, ok := probe["context"]; ok && !bytes.Equal(c, []byte("null")) {
		var a actionRequest
		if err := json.Unmarshal(body, &a); err != nil {
			return request{}, fmt.Errorf("action: %s", jsonReason(err))
		}
		return request{kind: kindAction, act: a, raw: body}, nil
	}
	var o outgoingJSON
	if err := json.Unmarshal(body, &o); err != nil {
		return request{}, fmt.Errorf("outgoing webhook: %s", jsonReason(err))
	}
	return request{kind: kindOutgoing, out: o, raw: body}, nil
}

func isForm(r *http.Request, body []byte) bool {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
		switch ct {
		case "application/x-www-form-urlencoded":
			return true
		case "application/json":
			return false
		}
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] != '{'
}

func outgoingFromForm(f url.Values) outgoingJSON {
	o := outgoingJSON{
		Token: f.Get("token"), TeamID: f.Get("team_id"), TeamDomain: f.Get("team_domain"),
		ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"),
		UserID: f.Get("user_id"), UserName: f.Get("user_name"), PostID: f.Get("post_id"),
		Text: f.Get("text"), TriggerWord: f.Get("trigger_word"), FileIDs: f.Get("file_ids"),
	}
	fmt.Sscan(f.Get("timestamp"), &o.Timestamp)
	return o
}

// Verify authenticates a request by its kind: an outgoing webhook's body
// token against the outgoing tokens, a slash command's token (body and
// Authorization: Token …, whichever are present, at least one) against
// the command tokens, and a button press by the signature in its
// context. Mattermost signs nothing with a timestamp, so there is no
// window to check; every comparison is constant-time.
func (s *Source) Verify(r *http.Request, body []byte) error {
	req, err := classify(r, body)
	if err != nil {
		return fmt.Errorf("%w: %v", core.ErrBadSignature, err)
	}
	switch req.kind {
	case kindOutgoing:
		if len(s.outgoingTokens) == 0 {
			return fmt.Errorf("%w: outgoing webhooks are not configured (outgoing_token)", core.ErrBadSignature)
		}
		if !matchToken(s.outgoingTokens, req.out.Token) {
			return fmt.Errorf("%w: outgoing webhook token does not match", core.ErrBadSignature)
		}
	case kindCommand:
		if len(s.commandTokens) == 0 {
			return fmt.Errorf("%w: slash commands are not configured (command_token)", core.ErrBadSignature)
		}
		header, hasHeader := headerToken(r)
		body := req.form.Get("token")
		switch {
		case !hasHeader && body == "":
			return fmt.Errorf("%w: slash command carries no token", core.ErrBadSignature)
		case hasHeader && !matchToken(s.commandTokens, header):
			return fmt.Errorf("%w: slash command token does not match", core.ErrBadSignature)
		case body != "" && !matchToken(s.commandTokens, body):
			return fmt.Errorf("%w: slash command token does not match", core.ErrBadSignature)
		}
	case kindAction:
		if s.actionSecret == nil {
			return fmt.Errorf("%w: buttons are not configured (action_secret)", core.ErrBadSignature)
		}
		c := req.act.Context
		if c == nil {
			return fmt.Errorf("%w: button carries no context", core.ErrBadSignature)
		}
		got, err := hex.DecodeString(c.Secret)
		want := actionMAC(s.actionSecret, c.Action, c.Token, req.act.ChannelID, c.Thread)
		if err != nil || !hmac.Equal(got, want) {
			return fmt.Errorf("%w: button context signature does not match", core.ErrBadSignature)
		}
	}
	return nil
}

// headerToken reads "Authorization: Token <token>".
func headerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Token") {
		return "", true // present but not ours: fails the match
	}
	return strings.TrimSpace(tok), true
}

// matchToken compares got with every configured token, in constant time
// for each and without stopping early.
func matchToken(tokens [][]byte, got string) bool {
	if got == "" {
		return false
	}
	ok := 0
	for _, t := range tokens {
		ok |= subtle.ConstantTimeCompare(t, []byte(got))
	}
	return ok == 1
}

// ActionSignature is the context "secret" of a button: hex HMAC-SHA256
// under the action secret of the action, the token, the channel and the
// thread the button was posted to. Binding all four means a context
// cannot be replayed as another answer, for another proposal, or into
// another conversation. Other integrations that post a "Create ticket"
// button sign its context with it.
func ActionSignature(secret, action, token, channel, thread string) string {
	return hex.EncodeToString(actionMAC([]byte(secret), action, token, channel, thread))
}

func actionMAC(secret []byte, action, token, channel, thread string) []byte {
	m := hmac.New(sha256.New, secret)
	// Length prefixes keep ("a:b","c") and ("a","b:c") apart.
	for _, p := range []string{"ticketbridge-mattermost-v1", action, token, channel, thread} {
		fmt.Fprintf(m, "%d:%s;", len(p), p)
	}
	return m.Sum(nil)
}
