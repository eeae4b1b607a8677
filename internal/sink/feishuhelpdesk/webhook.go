package feishuhelpdesk

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/larkcrypt"
)

// open verifies a delivery and returns its decrypted event: the
// signature and its timestamp window when signed, the verification token
// always. With an encrypt key every delivery but the URL verification
// must be signed, as Feishu signs them.
func (s *Sink) open(r *http.Request, body []byte) (Event, error) {
	if r.Method != http.MethodPost {
		return Event{}, fmt.Errorf("%w: feishu deliveries are POST requests", core.ErrBadSignature)
	}
	signed := false
	if sig := r.Header.Get(larkcrypt.HeaderSignature); sig != "" {
		if s.s.EncryptKey == "" {
			return Event{}, fmt.Errorf("%w: signed delivery but no encrypt_key configured", core.ErrBadSignature)
		}
		ts, nonce := r.Header.Get(larkcrypt.HeaderTimestamp), r.Header.Get(larkcrypt.HeaderNonce)
		if !equal(strings.ToLower(sig), larkcrypt.Signature(ts, nonce, s.s.EncryptKey, body)) {
			return Event{}, fmt.Errorf("%w: %s does not match", core.ErrBadSignature, larkcrypt.HeaderSignature)
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return Event{}, fmt.Errorf("%w: %s is not a unix time", core.ErrStale, larkcrypt.HeaderTimestamp)
		}
		if d := s.now().Sub(time.Unix(sec, 0)); d > s.s.Tolerance || d < -s.s.Tolerance {
			return Event{}, fmt.Errorf("%w: %s is %s away", core.ErrStale, larkcrypt.HeaderTimestamp, d.Round(time.Second))
		}
		signed = true
	}
	plain := body
	if s.s.EncryptKey != "" {
		var enc struct {
			Encrypt string `json:"encrypt"`
		}
		if err := json.Unmarshal(body, &enc); err != nil || enc.Encrypt == "" {
			return Event{}, fmt.Errorf("%w: body is not an encrypted delivery", core.ErrMalformed)
		}
		p, err := larkcrypt.Decrypt(s.s.EncryptKey, enc.Encrypt)
		if err != nil {
			return Event{}, fmt.Errorf("%w: %w", core.ErrBadSignature, err)
		}
		plain = p
	}
	var ev Event
	if err := json.Unmarshal(plain, &ev); err != nil {
		return Event{}, fmt.Errorf("%w: event: %w", core.ErrMalformed, err)
	}
	token := ev.Token
	if ev.Header != nil {
		token = ev.Header.Token
	}
	if !equal(token, s.s.VerificationToken) {
		return Event{}, fmt.Errorf("%w: verification token does not match", core.ErrBadSignature)
	}
	if s.s.EncryptKey != "" && !signed && ev.Type != "url_verification" {
		return Event{}, fmt.Errorf("%w: %s header missing", core.ErrBadSignature, larkcrypt.HeaderSignature)
	}
	return ev, nil
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Challenge answers Feishu's url_verification (sent when the event
// request URL is saved) with its challenge; other deliveries go on to
// ParseWebhook.
func (s *Sink) Challenge(r *http.Request, body []byte) (*core.Reply, bool, error) {
	ev, err := s.open(r, body)
	if err != nil {
		return nil, false, err
	}
	if ev.Type != "url_verification" {
		return nil, false, nil
	}
	if ev.Challenge == "" {
		return nil, false, fmt.Errorf("%w: challenge is missing", core.ErrMalformed)
	}
	b, _ := json.Marshal(map[string]string{"challenge": ev.Challenge})
	return &core.Reply{Status: http.StatusOK, ContentType: "application/json", Body: b}, true, nil
}

// ParseWebhook reads helpdesk.ticket.updated_v1 (a status change; the
// stage moving from bot to human, as an assignment) and
// helpdesk.ticket_message.created_v1 (an agent's message, a public
// comment; the helpdesk bot's, which are ours, marked so; the guest's
// none). Other event types are acknowledged with no events.
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	ev, err := s.open(r, body)
	if err != nil {
		return nil, err
	}
	if ev.Type == "url_verification" {
		return nil, nil
	}
	h := ev.Header
	if ev.Schema != "2.0" || h == nil || h.EventID == "" {
		return nil, fmt.Errorf("%w: not a schema 2.0 event", core.ErrMalformed)
	}
	at := eventTime(h.CreateTime, s.now())
	switch h.EventType {
	case EventTicketUpdated:
		return s.updated(h.EventID, at, ev.Event)
	case EventMessageCreated:
		return s.message(h.EventID, at, ev.Event)
	}
	return nil, nil
}

func (s *Sink) updated(id string, at time.Time, e EventBody) ([]core.TicketEvent, error) {
	t := e.Object
	if t == nil || t.TicketID == "" {
		return nil, fmt.Errorf("%w: %s without object.ticket_id", core.ErrMalformed, EventTicketUpdated)
	}
	old := e.OldObject
	if old == nil {
		return nil, nil
	}
	ref := core.TicketRef{Sink: s.id, Key: t.TicketID, URL: chatURL(t.ChatID), Status: StatusName(t.Status)}
	var out []core.TicketEvent
	if old.Status != 0 && old.Status != t.Status {
		ev := core.TicketEvent{EventID: id + ":status", Kind: core.TicketStatusChanged, Ticket: ref,
			From: StatusName(old.Status), To: StatusName(t.Status), Time: at}
		if t.Solve == SolveYes {
			ev.ToCategory = "solved"
		}
		out = append(out, ev)
	}
	if old.Stage != 0 && old.Stage != t.Stage && t.Stage == StageHuman {
		var names []string
		for _, a := range t.Agents {
			s.names.put(a.ID, a.Name)
			if a.Name != "" {
				names = append(names, a.Name)
			} else if a.ID != "" {
				names = append(names, a.ID)
			}
		}
		out = append(out, core.TicketEvent{EventID: id + ":stage", Kind: core.TicketAssigned, Ticket: ref,
			Assignee: strings.Join(names, ", "), Time: at})
	}
	return out, nil
}

func (s *Sink) message(id string, at time.Time, e EventBody) ([]core.TicketEvent, error) {
	if e.Ticket == nil || e.Ticket.TicketID == "" {
		return nil, fmt.Errorf("%w: %s without ticket.ticket_id", core.ErrMalformed, EventMessageCreated)
	}
	if e.SenderType == SenderGuest {
		// The guest's own words are already in the chat they came from.
		return nil, nil
	}
	if strings.TrimSpace(e.Text) == "" {
		// Pictures and files stay in the service chat.
		return nil, nil
	}
	// The event names the sender by open_id only; the name comes from an
	// earlier update of the ticket, else the chat reads "Support".
	author := ""
	if e.SenderID != nil {
		author = s.names.get(e.SenderID.OpenID)
	}
	ref := core.TicketRef{Sink: s.id, Key: e.Ticket.TicketID, URL: chatURL(e.ChatID)}
	return []core.TicketEvent{{EventID: id, Kind: core.TicketCommentAdded, Ticket: ref, Time: at,
		Comment: &core.Comment{Body: e.Text, Public: true, Author: author},
		// Messages ticketbridge posts come from the helpdesk bot.
		Ours: e.SenderType == SenderBot}}, nil
}

// eventTime reads header.create_time, which Feishu sends as a decimal
// string in milliseconds (some samples carry microseconds).
func eventTime(s string, now time.Time) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || n <= 0:
		return now.UTC()
	case n > 1e15:
		return time.UnixMicro(n).UTC()
	case n > 1e11:
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}
