package sqlite

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// senderText encodes an event's sender for its TEXT column, as
// json.Marshal does. Every chat event has one, and most senders are a
// plain id and role: those are written directly, which spares the
// reflection and two of its three allocations; anything with a character
// JSON escapes goes through json.Marshal.
func senderText(s core.Sender) (string, error) {
	if !plainJSON(s.ID) || !plainJSON(s.Name) || !plainJSON(s.Email) || !plainJSON(string(s.Role)) {
		b, err := json.Marshal(s)
		if err != nil {
			return "", fmt.Errorf("encode json: %w", err)
		}
		return string(b), nil
	}
	var b strings.Builder
	b.Grow(len(`{"id":"","name":"","email":"","role":""}`) + len(s.ID) + len(s.Name) + len(s.Email) + len(s.Role))
	b.WriteString(`{"id":"`)
	b.WriteString(s.ID)
	b.WriteByte('"')
	for _, f := range [...]struct{ name, v string }{{"name", s.Name}, {"email", s.Email}, {"role", string(s.Role)}} {
		if f.v != "" {
			b.WriteString(`,"`)
			b.WriteString(f.name)
			b.WriteString(`":"`)
			b.WriteString(f.v)
			b.WriteByte('"')
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII without the characters it escapes (the quote, the
// backslash, and <, > and & for HTML).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
