package mattermost_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost"
	"github.com/ticketbridge/ticketbridge/internal/source/mattermost/mattermostfake"
)

func actionBody(ctx mattermost.ActionContext, channelID string) mattermostfake.Request {
	body := `{"user_id":"` + annID + `","channel_id":"` + channelID + `","post_id":"` + rootID + `","context":{"action":"` + ctx.Action +
		`","token":"` + ctx.Token + `","thread":"` + ctx.Thread + `","secret":"` + ctx.Secret + `"}}`
	return mattermostfake.Request{Method: http.MethodPost, ContentType: "application/json", Body: []byte(body)}
}

func signedCtx(action, token, ch, thread string) mattermost.ActionContext {
	return mattermost.ActionContext{Action: action, Token: token, Thread: thread,
		Secret: mattermost.ActionSignature(actionSecret, action, token, ch, thread)}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	post := mattermostfake.Post{ID: rootID, CreateAt: 1795860000000, UserID: annID, ChannelID: channel, Message: "hi"}
	good := signedCtx(core.ActionConfirm, "prop-1", channel, rootID)
	tamperedAction := good
	tamperedAction.Action = core.ActionReject
	tamperedThread := good
	tamperedThread.Thread = replyID
	badHex := good
	badHex.Secret = "zz" + good.Secret[2:]
	cmd := mattermostfake.SlashCommand(cmdToken, "/ticket", "help", channel, annID, "ann", "trig1")
	cmdHeaderOnly := cmd
	f, _ := url.ParseQuery(string(cmd.Body))
	f.Del("token")
	cmdHeaderOnly.Body = []byte(f.Encode())
	cmdBodyOnly := cmd
	cmdBodyOnly.Authorization = ""
	cmdWrongHeader := cmd
	cmdWrongHeader.Authorization = "Token " + strings.Repeat("x", 26)
	cmdBearer := cmd
	cmdBearer.Authorization = "Bearer " + cmdToken
	cmdNoToken := cmdHeaderOnly
	cmdNoToken.Authorization = ""
	outgoingWithCmdToken := mattermostfake.Outgoing(cmdToken, post, "ann", "", false)

	tests := map[string]struct {
		req      mattermostfake.Request
		settings mattermost.Settings
		want     error
	}{
		"outgoing form":               {req: mattermostfake.Outgoing(outToken, post, "ann", "", false)},
		"outgoing json":               {req: mattermostfake.Outgoing(outToken, post, "ann", "", true)},
		"outgoing second token":       {req: mattermostfake.Outgoing("anothertoken0000000000000a", post, "ann", "", true), settings: mattermost.Settings{OutgoingToken: outToken, OutgoingTokens: []string{"anothertoken0000000000000a"}}},
		"outgoing wrong token":        {req: mattermostfake.Outgoing("wrongtoken000000000000000a", post, "ann", "", false), want: core.ErrBadSignature},
		"outgoing empty token":        {req: mattermostfake.Outgoing("", post, "ann", "", true), want: core.ErrBadSignature},
		"outgoing with command token": {req: outgoingWithCmdToken, want: core.ErrBadSignature},
		"outgoing not configured":     {req: mattermostfake.Outgoing(outToken, post, "ann", "", true), settings: mattermost.Settings{CommandToken: cmdToken}, want: core.ErrBadSignature},
		"command":                     {req: cmd},
		"command GET":                 {req: mattermostfake.SlashCommandGET(cmdToken, "/ticket", "x", channel, annID, "ann", "trig2")},
		"command header only":         {req: cmdHeaderOnly},
		"command body only":           {req: cmdBodyOnly},
		"command wrong header":        {req: cmdWrongHeader, want: core.ErrBadSignature},
		"command bearer header":       {req: cmdBearer, want: core.ErrBadSignature},
		"command no token":            {req: cmdNoToken, want: core.ErrBadSignature},
		"command outgoing token":      {req: mattermostfake.SlashCommand(outToken, "/ticket", "", channel, annID, "ann", "t"), want: core.ErrBadSignature},
		"action":                      {req: actionBody(good, channel)},
		"action other answer":         {req: actionBody(tamperedAction, channel), want: core.ErrBadSignature},
		"action other thread":         {req: actionBody(tamperedThread, channel), want: core.ErrBadSignature},
		"action other channel":        {req: actionBody(good, "otherchan00000000000000001"), want: core.ErrBadSignature},
		"action secret not hex":       {req: actionBody(badHex, channel), want: core.ErrBadSignature},
		"action not configured":       {req: actionBody(good, channel), settings: mattermost.Settings{OutgoingToken: outToken, ActionSecret: noButtons}, want: core.ErrBadSignature},
		"malformed json":              {req: mattermostfake.Request{ContentType: "application/json", Body: []byte(`{"token":`)}, want: core.ErrBadSignature},
		"json array":                  {req: mattermostfake.Request{ContentType: "application/json", Body: []byte(`[1]`)}, want: core.ErrBadSignature},
		"bad form":                    {req: mattermostfake.Request{ContentType: "application/x-www-form-urlencoded", Body: []byte("token=%zz")}, want: core.ErrBadSignature},
		"GET without command":         {req: mattermostfake.Request{Method: http.MethodGet, Query: url.Values{"token": {cmdToken}}}, want: core.ErrBadSignature},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := tc.settings
			src := newSource(t, nil, s)
			if name == "action not configured" && src.Buttons() {
				t.Fatal("buttons configured")
			}
			r, body := inbound(t, tc.req)
			err := src.Verify(r, body)
			if tc.want == nil && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}
