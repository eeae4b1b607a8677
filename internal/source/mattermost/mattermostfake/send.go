package mattermostfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Request is one inbound request as Mattermost would make it.
type Request struct {
	Method      string
	ContentType string
	Body        []byte
	// Query is sent as the URL query (slash commands configured as GET).
	Query url.Values
	// Authorization is the header's value, "" for none.
	Authorization string
	// URL, when set, is where the request goes (a button's integration
	// URL) instead of the source's hook.
	URL string
}

// Action is a button in a post's attachments.
type Action struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Style       string `json:"style"`
	Integration struct {
		URL     string         `json:"url"`
		Context map[string]any `json:"context"`
	} `json:"integration"`
}

// Actions lists the buttons of a post's message attachments.
func (p Post) Actions() []Action {
	data, _ := json.Marshal(p.Props["attachments"])
	var atts []struct {
		Actions []Action `json:"actions"`
	}
	_ = json.Unmarshal(data, &atts)
	var out []Action
	for _, a := range atts {
		out = append(out, a.Actions...)
	}
	return out
}

// Outgoing is the outgoing webhook delivery Mattermost makes for post p,
// as a form (the default content type) or as JSON.
func Outgoing(token string, p Post, userName, triggerWord string, asJSON bool) Request {
	files := strings.Join(p.FileIDs, ",")
	if asJSON {
		body, _ := json.Marshal(map[string]any{
			"token": token, "team_id": TeamID, "team_domain": "fake", "channel_id": p.ChannelID,
			"channel_name": "support", "timestamp": p.CreateAt, "user_id": p.UserID, "user_name": userName,
			"post_id": p.ID, "text": p.Message, "trigger_word": triggerWord, "file_ids": files,
		})
		return Request{Method: http.MethodPost, ContentType: "application/json", Body: body}
	}
	f := url.Values{
		"token": {token}, "team_id": {TeamID}, "team_domain": {"fake"}, "channel_id": {p.ChannelID},
		"channel_name": {"support"}, "timestamp": {fmt.Sprint(p.CreateAt / 1000)}, "user_id": {p.UserID},
		"user_name": {userName}, "post_id": {p.ID}, "text": {p.Message}, "trigger_word": {triggerWord},
		"file_ids": {files},
	}
	return Request{Method: http.MethodPost, ContentType: "application/x-www-form-urlencoded", Body: []byte(f.Encode())}
}

// SlashCommand is the POST Mattermost makes for a custom slash command:
// the token in the form and in "Authorization: Token …".
func SlashCommand(token, command, text, channel, userID, userName, triggerID string) Request {
	f := commandForm(token, command, text, channel, userID, userName, triggerID)
	return Request{Method: http.MethodPost, ContentType: "application/x-www-form-urlencoded",
		Body: []byte(f.Encode()), Authorization: "Token " + token}
}

// SlashCommandGET is the same command for a command configured with the
// GET method: the fields are the query.
func SlashCommandGET(token, command, text, channel, userID, userName, triggerID string) Request {
	return Request{Method: http.MethodGet, Query: commandForm(token, command, text, channel, userID, userName, triggerID),
		Authorization: "Token " + token}
}

func commandForm(token, command, text, channel, userID, userName, triggerID string) url.Values {
	return url.Values{
		"token": {token}, "team_id": {TeamID}, "team_domain": {"fake"}, "channel_id": {channel},
		"channel_name": {"support"}, "user_id": {userID}, "user_name": {userName}, "command": {command},
		"text": {text}, "response_url": {"http://mattermost.invalid/hooks/commands/" + NewID()},
		"trigger_id": {triggerID},
	}
}

// Press is the request Mattermost makes when userID presses the button
// with actionID on post p: a JSON body with the button's integration
// context, sent to the button's integration URL.
func Press(p Post, actionID, userID, userName string) (Request, error) {
	for _, a := range p.Actions() {
		if a.ID != actionID {
			continue
		}
		body, err := json.Marshal(map[string]any{
			"user_id": userID, "user_name": userName, "channel_id": p.ChannelID, "channel_name": "support",
			"team_id": TeamID, "team_domain": "fake", "post_id": p.ID, "trigger_id": NewID(),
			"type": "", "data_source": "", "context": a.Integration.Context,
		})
		if err != nil {
			return Request{}, err
		}
		return Request{Method: http.MethodPost, ContentType: "application/json", Body: body, URL: a.Integration.URL}, nil
	}
	return Request{}, fmt.Errorf("post %s has no button %q", p.ID, actionID)
}

// HTTPRequest builds req against serverURL/hooks/im/{sourceID} (or the
// request's own URL).
func HTTPRequest(ctx context.Context, serverURL, sourceID string, req Request) (*http.Request, error) {
	target := req.URL
	if target == "" {
		target = serverURL + "/hooks/im/" + sourceID
	}
	if req.Query != nil {
		target += "?" + req.Query.Encode()
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	r, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if req.ContentType != "" {
		r.Header.Set("Content-Type", req.ContentType)
	}
	if req.Authorization != "" {
		r.Header.Set("Authorization", req.Authorization)
	}
	r.Header.Set("Accept", "application/json")
	return r, nil
}

// Send makes req to a running ticketbridge.
func Send(ctx context.Context, serverURL, sourceID string, req Request) (*http.Response, error) {
	r, err := HTTPRequest(ctx, serverURL, sourceID, req)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(r)
}
