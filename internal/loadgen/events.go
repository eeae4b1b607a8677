package loadgen

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// slackBotUser is the bot's user id in the fake workspace.
const slackBotUser = "ULGBOT"

// TicketText opens a ticket conversation: the route's command trigger
// creates a ticket at once.
const TicketText = "/ticket order 1042 arrived broken, please replace it"

// chatter is neutral: with the route ConfigYAML writes (command trigger
// only) none of it opens a ticket, and in a ticket conversation it is
// appended to the ticket as a follow-up.
var chatter = []string{
	"thanks, that answers my question",
	"ok, I will have a look tomorrow",
	"sounds good, talk later",
	"got it, thank you",
	"see you at the meeting",
}

// events builds the signed requests of one run.
type events struct {
	format string
	run    string
	key    stdwebhook.Secret // generic
	secret []byte            // slack signing secret
	base   int64             // slack ts seconds
}

func newEvents(o Options, start time.Time) (*events, error) {
	e := &events{format: o.Format, run: o.RunID, base: start.Unix()}
	if o.Format == FormatSlack {
		e.secret = []byte(o.Secret)
		return e, nil
	}
	key, err := stdwebhook.ParseSecret(o.Secret)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	e.key = key
	return e, nil
}

// conversation is conversation c's id: for Slack a channel id (upper
// case letters and digits only).
func (e *events) conversation(c int) string {
	if e.format == FormatSlack {
		return "CLG" + e.run + strconv.Itoa(c)
	}
	return "lg-" + e.run + "-" + strconv.Itoa(c)
}

// sender is the one customer writing in conversation c.
func (e *events) sender(c int) string {
	if e.format == FormatSlack {
		return "ULG" + e.run + strconv.Itoa(c)
	}
	return e.conversation(c)
}

// text is what event seq (the n-th of its conversation) says.
func text(n int, ticket bool) string {
	if ticket && n == 0 {
		return TicketText
	}
	return chatter[n%len(chatter)]
}

// build returns event seq's body and headers, signed at now.
func (e *events) build(seq, c int, msg string, now time.Time) ([]byte, http.Header, error) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	if e.format == FormatSlack {
		ts := fmt.Sprintf("%d.%06d", e.base+int64(seq/1_000_000), seq%1_000_000)
		body, err := json.Marshal(map[string]any{
			"token": "loadgen", "team_id": "TLOADGEN", "api_app_id": "ALOADGEN",
			"type": "event_callback", "event_id": "Ev" + e.run + strconv.Itoa(seq), "event_time": now.Unix(),
			"event": map[string]any{
				"type": "message", "channel": e.conversation(c), "channel_type": "channel",
				"user": e.sender(c), "text": msg, "ts": ts, "event_ts": ts, "client_msg_id": "lg-" + e.run + "-" + strconv.Itoa(seq),
			},
			"authorizations": []map[string]any{{"team_id": "TLOADGEN", "user_id": slackBotUser, "is_bot": true}},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("encode slack event: %w", err)
		}
		stamp := strconv.FormatInt(now.Unix(), 10)
		m := hmac.New(sha256.New, e.secret)
		m.Write([]byte("v0:" + stamp + ":"))
		m.Write(body)
		hdr.Set("X-Slack-Request-Timestamp", stamp)
		hdr.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
		return body, hdr, nil
	}
	conv := e.conversation(c)
	body, err := json.Marshal(generic.Event{
		Type:         "message",
		Conversation: generic.Conversation{ID: conv},
		Sender:       generic.Sender{ID: e.sender(c), Name: "Load " + strconv.Itoa(c), Role: "customer"},
		Text:         msg,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encode event: %w", err)
	}
	stdwebhook.SetHeaders(hdr, e.key, "lg-"+e.run+"-"+strconv.Itoa(seq), now, body)
	return body, hdr, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
