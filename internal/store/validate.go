package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// ErrUnstorable marks an event that no store can keep as it is: ingress
// answers it with 400 and the reason instead of retrying it forever.
var ErrUnstorable = errors.New("event cannot be stored")

// Limits on the strings that land in indexed columns. PostgreSQL refuses a
// btree entry over about 2,700 bytes (after compression, which random ids
// defeat), so the parts of one key stay well below it on both stores.
const (
	MaxSourceID = 128
	MaxKeyPart  = 1024
)

// Time bounds both stores can hold: SQLite keeps int64 nanoseconds.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

// CheckEvent reports why e cannot be stored, or nil. The same rules hold
// for SQLite and PostgreSQL, so both stores accept and refuse the same
// events: no NUL and no invalid UTF-8 in any string (PostgreSQL's text and
// jsonb refuse both), key parts short enough to index, and a time both can
// represent.
func CheckEvent(e core.Event) error {
	c := e.Conversation
	keys := []struct {
		name, value string
		max         int
	}{
		{"source", e.Source, MaxSourceID},
		{"conversation source", c.Source, MaxSourceID},
		{"event id", e.EventID, MaxKeyPart},
		{"conversation", c.Conversation, MaxKeyPart},
		{"thread", c.Thread, MaxKeyPart},
	}
	for _, k := range keys {
		if len(k.value) > k.max {
			return fmt.Errorf("%w: %s is %d bytes, over the limit of %d", ErrUnstorable, k.name, len(k.value), k.max)
		}
	}
	fields := []field{
		{"source", e.Source}, {"event id", e.EventID}, {"kind", string(e.Kind)},
		{"conversation source", c.Source}, {"conversation", c.Conversation}, {"thread", c.Thread},
		{"sender id", e.Sender.ID}, {"sender name", e.Sender.Name}, {"sender email", e.Sender.Email},
		{"sender role", string(e.Sender.Role)}, {"text", e.Text}, {"command", e.Command}, {"action", e.Action},
	}
	for i, a := range e.Attachments {
		p := fmt.Sprintf("attachment %d ", i)
		fields = append(fields, field{p + "id", a.ID}, field{p + "name", a.Name},
			field{p + "content type", a.ContentType}, field{p + "url", a.URL})
	}
	if err := checkStrings(fields); err != nil {
		return err
	}
	if err := checkValue("meta", e.Meta); err != nil {
		return err
	}
	return checkTime("time", e.Time)
}

// CheckTicketEvent is CheckEvent for an event from a ticket system.
func CheckTicketEvent(e core.TicketEvent) error {
	for _, k := range []field{{"sink", e.Sink}, {"event id", e.EventID}} {
		if len(k.value) > MaxKeyPart {
			return fmt.Errorf("%w: %s is %d bytes, over the limit of %d", ErrUnstorable, k.name, len(k.value), MaxKeyPart)
		}
	}
	fields := []field{
		{"sink", e.Sink}, {"event id", e.EventID}, {"kind", string(e.Kind)},
		{"ticket sink", e.Ticket.Sink}, {"ticket key", e.Ticket.Key}, {"ticket url", e.Ticket.URL},
		{"ticket status", e.Ticket.Status}, {"external id", e.ExternalID},
		{"from", e.From}, {"to", e.To}, {"to category", e.ToCategory}, {"assignee", e.Assignee},
	}
	if e.Comment != nil {
		fields = append(fields, field{"comment author", e.Comment.Author}, field{"comment body", e.Comment.Body})
	}
	if err := checkStrings(fields); err != nil {
		return err
	}
	return checkTime("time", e.Time)
}

type field struct{ name, value string }

func checkStrings(fields []field) error {
	for _, f := range fields {
		if err := checkString(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

func checkString(name, v string) error {
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%w: %s contains a NUL character", ErrUnstorable, name)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrUnstorable, name)
	}
	return nil
}

// checkValue walks a decoded JSON value (maps, slices, strings, numbers).
func checkValue(name string, v any) error {
	switch v := v.(type) {
	case string:
		return checkString(name, v)
	case map[string]any:
		for k, x := range v {
			if err := checkString(name+" key", k); err != nil {
				return err
			}
			if err := checkValue(name+"."+k, x); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := checkValue(fmt.Sprintf("%s[%d]", name, i), x); err != nil {
				return err
			}
		}
	case nil, bool, float64, json.Number:
	default:
		// Typed values a parser put in meta: look at them the way the
		// stores will see them, as JSON.
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%w: %s cannot be encoded as JSON: %w", ErrUnstorable, name, err)
		}
		var decoded any
		if err := json.Unmarshal(b, &decoded); err != nil {
			return fmt.Errorf("%w: %s cannot be encoded as JSON: %w", ErrUnstorable, name, err)
		}
		return checkValue(name, decoded) // now only JSON's own types

	}
	return nil
}

func checkTime(name string, t time.Time) error {
	if t.IsZero() || (!t.Before(minTime) && !t.After(maxTime)) {
		return nil
	}
	return fmt.Errorf("%w: %s %s is outside the years %d-%d", ErrUnstorable, name,
		t.UTC().Format(time.RFC3339), minTime.Year()+1, maxTime.Year()-1)
}

// sqlStater is the part of a driver's error that names the SQL error
// (pgconn.PgError has it); the store package stays dialect-free.
type sqlStater interface{ SQLState() string }

// Unstorable reports whether err says the data itself was refused (SQL
// classes 22, data exception, and 54, program limit exceeded), as opposed
// to the database being unreachable or busy; retrying such a write
// unchanged cannot succeed.
func Unstorable(err error) bool {
	if errors.Is(err, ErrUnstorable) {
		return true
	}
	var s sqlStater
	if !errors.As(err, &s) {
		return false
	}
	class := s.SQLState()[:min(2, len(s.SQLState()))]
	return class == "22" || class == "54"
}
