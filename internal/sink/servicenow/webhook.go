package servicenow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Headers the business rule sends.
const (
	HeaderTimestamp = "X-TB-Timestamp"
	HeaderSignature = "X-TB-Signature"
)

// Sign is the X-TB-Signature value for body sent at unix time ts:
// "sha256=" + base64(HMAC-SHA256(secret, ts + "." + body)). Base64 is
// what GlideCertificateEncryption.generateMac returns; ParseWebhook also
// takes the hex form for senders that produce hex.
func Sign(secret string, ts int64, body []byte) string {
	return "sha256=" + base64.StdEncoding.EncodeToString(mac([]byte(secret), ts, body))
}

func mac(key []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ParseWebhook verifies a business rule's POST (signature over timestamp
// and body, timestamp within the tolerance) and turns it into events:
// one per change it reports (state, journal entry, assignee).
func (s *Sink) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	at, err := s.verify(r.Header, body)
	if err != nil {
		return nil, err
	}
	var h Hook
	if err := json.Unmarshal(body, &h); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, malformed("%s: must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return nil, malformed("body: not a JSON object")
	}
	switch {
	case strings.TrimSpace(h.EventID) == "":
		return nil, malformed("event_id: missing")
	case h.Number == "":
		return nil, malformed("number: missing")
	}
	when := at
	if h.UpdatedOn != "" {
		t, err := time.Parse(timeLayout, h.UpdatedOn)
		if err != nil {
			return nil, malformed("sys_updated_on: not %q", timeLayout)
		}
		when = t
	}
	base := core.TicketEvent{
		Sink:       s.id,
		Ticket:     core.TicketRef{Sink: s.id, Key: h.Number, Status: s.stateName(h.State)},
		ExternalID: h.CorrelationID,
		Time:       when.UTC(),
		Ours:       s.ours(h.UpdatedBy),
	}
	if sysIDPattern.MatchString(h.SysID) {
		base.Ticket.URL = s.base + "/incident.do?sys_id=" + h.SysID
	}
	var evs []core.TicketEvent
	if h.State != "" && h.PreviousState != "" && h.State != h.PreviousState {
		ev := base
		ev.EventID, ev.Kind = h.EventID+"/state", core.TicketStatusChanged
		ev.From, ev.To = s.stateName(h.PreviousState), s.stateName(h.State)
		evs = append(evs, ev)
	}
	if text := journalText(h.Comment); text != "" {
		ev := base
		ev.EventID, ev.Kind = h.EventID+"/"+journalKind(h.CommentKind), core.TicketCommentAdded
		// Only "comments" is customer-visible; work notes and anything
		// unknown stay internal.
		ev.Comment = &core.Comment{Body: text, Public: h.CommentKind == KindComments, Author: h.UpdatedBy}
		evs = append(evs, ev)
	}
	if h.AssignedTo != nil {
		ev := base
		ev.EventID, ev.Kind, ev.Assignee = h.EventID+"/assigned", core.TicketAssigned, *h.AssignedTo
		evs = append(evs, ev)
	}
	return evs, nil
}

// verify checks the timestamp window and the signature; it returns the
// signed time.
func (s *Sink) verify(h http.Header, body []byte) (time.Time, error) {
	tsText := strings.TrimSpace(h.Get(HeaderTimestamp))
	sig := strings.TrimSpace(h.Get(HeaderSignature))
	if tsText == "" || sig == "" {
		return time.Time{}, fmt.Errorf("%w: %s and %s are required", core.ErrBadSignature, HeaderTimestamp, HeaderSignature)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || ts <= 0 {
		return time.Time{}, fmt.Errorf("%w: %s is not unix seconds", core.ErrBadSignature, HeaderTimestamp)
	}
	given, ok := decodeSignature(sig)
	if !ok || !hmac.Equal(given, mac(s.key, ts, body)) {
		return time.Time{}, fmt.Errorf("%w: %s does not match", core.ErrBadSignature, HeaderSignature)
	}
	// Checked after the signature so that an attacker learns nothing
	// about the window from unsigned requests.
	at := time.Unix(ts, 0)
	if d := s.now().Sub(at); d > s.s.Tolerance || d < -s.s.Tolerance {
		return time.Time{}, fmt.Errorf("%w: signed at %s", core.ErrStale, at.UTC().Format(time.RFC3339))
	}
	return at, nil
}

// decodeSignature reads "sha256=<base64>" or "sha256=<hex>".
func decodeSignature(v string) ([]byte, bool) {
	v, ok := strings.CutPrefix(v, "sha256=")
	if !ok {
		return nil, false
	}
	if len(v) == 2*sha256.Size {
		if b, err := hex.DecodeString(v); err == nil {
			return b, true
		}
	}
	b, err := base64.StdEncoding.DecodeString(v)
	return b, err == nil && len(b) == sha256.Size
}

// ours reports whether the integration user made the change.
func (s *Sink) ours(updatedBy string) bool {
	return s.s.IntegrationUser != "" && strings.EqualFold(strings.TrimSpace(updatedBy), s.s.IntegrationUser)
}

// journalHeader is the first line getJournalEntry(1) puts before the
// text: "<time> - <name> (Additional comments)".
var journalHeader = regexp.MustCompile(`^[^\n]* \((Additional comments|Work notes|Comments)\)\r?\n`)

// journalText is the comment without the journal's header line.
func journalText(s string) string {
	return strings.TrimSpace(journalHeader.ReplaceAllString(s, ""))
}

func journalKind(k string) string {
	if k == KindComments {
		return KindComments
	}
	return KindWorkNotes
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrMalformed}, args...)...)
}
