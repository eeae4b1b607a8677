package generic

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// FuzzFlatMatchesJSON: whatever parseFlat accepts, encoding/json decodes
// to the same event, as a single event (not a batch).
func FuzzFlatMatchesJSON(f *testing.F) {
	for _, body := range flatCases {
		f.Add([]byte(body.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := parseFlat(body)
		if !ok {
			return
		}
		var probe struct {
			Event
			Events json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(body, &probe); err != nil {
			t.Fatalf("parseFlat accepted %q, encoding/json refuses it: %v", body, err)
		}
		if probe.Events != nil {
			t.Fatalf("parseFlat accepted a batch: %q", body)
		}
		if !reflect.DeepEqual(fast, probe.Event) {
			t.Fatalf("%q: parseFlat %+v, encoding/json %+v", body, fast, probe.Event)
		}
	})
}

var flatCases = []struct {
	body string
	flat bool
}{
	{`{"type":"message","conversation":{"id":"c-1"},"sender":{"id":"s-1","role":"customer"},"text":"thanks, that answers my question #1"}`, true},
	{` {"type":"command","conversation":{"id":"c","thread":"t"},"sender":{"id":"u","name":"Ann","email":"a@example.com","role":"agent"},"command":"/ticket","action":"open","time":"2026-12-06T05:00:00Z","text":"退款还没到"} `, true},
	{`{"type":"message","conversation":{"id":"c"},"conversation":{"thread":"t"},"sender":{"id":"u"},"text":"merged"}`, true},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"a \"quoted\" word"}`, false},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"\u00e9"}`, false},
	{`{"Type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"case"}`, false},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":null}`, false},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":5}`, false},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"meta":{"k":"v"}}`, false},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"attachments":[]}`, false},
	{`{"events":[{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"x"}]}`, false},
	{`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"x"} trailing`, false},
	{`{"type":"message","conversation":"c","sender":{"id":"u"},"text":"x"}`, false},
	{"{\"type\":\"message\",\"conversation\":{\"id\":\"c\"},\"sender\":{\"id\":\"u\"},\"text\":\"bad \xff byte\"}", false},
	{`[]`, false},
	{`"type"`, false},
}

// TestFlatTakesOnlyPlainBodies pins which bodies take the fast path; the
// fuzz test above holds its results to encoding/json's.
func TestFlatTakesOnlyPlainBodies(t *testing.T) {
	t.Parallel()
	for _, c := range flatCases {
		if _, ok := parseFlat([]byte(c.body)); ok != c.flat {
			t.Errorf("%s: parseFlat ok=%v, want %v", c.body, ok, c.flat)
		}
	}
}

// BenchmarkParse is the generic source's share of an ingested event.
func BenchmarkParse(b *testing.B) {
	src, err := New("chat", Settings{Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, source.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(flatCases[0].body)
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/chat", strings.NewReader(string(body)))
	r.Header.Set(stdwebhook.HeaderID, "msg_1")
	r.Header.Set(stdwebhook.HeaderTimestamp, "1765000000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Parse(b.Context(), r, body); err != nil {
			b.Fatal(err)
		}
	}
}
