package servicenow_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
)

// clock is the fixed time of the unit tests.
var clock = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func settingsFor(in *servicenowfake.Instance) servicenow.Settings {
	o := in.Options()
	return servicenow.Settings{
		URL:           in.URL(),
		Username:      o.Username,
		Password:      o.Password,
		WebhookSecret: o.WebhookSecret,
	}
}

// newSink builds a sink against in, with change applied to its settings.
func newSink(t testing.TB, in *servicenowfake.Instance, change func(*servicenow.Settings)) *servicenow.Sink {
	t.Helper()
	s := settingsFor(in)
	if change != nil {
		change(&s)
	}
	sn, err := servicenow.New("sn", s, sink.Deps{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sn
}

// newSinkAt builds a sink against a bare handler, for answers the fake
// does not give.
func newSinkAt(t testing.TB, h http.Handler) *servicenow.Sink {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sn, err := servicenow.New("sn", servicenow.Settings{URL: srv.URL, Username: "u", Password: "p", WebhookSecret: "0123456789abcdef"},
		sink.Deps{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sn
}

func decodeB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixedNow() time.Time { return clock }
