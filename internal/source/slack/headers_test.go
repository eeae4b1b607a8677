package slack_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
)

// CheckHeaders refuses from the headers alone what Verify would refuse for
// them, and passes a genuinely signed request.
func TestCheckHeadersBeforeBody(t *testing.T) {
	t.Parallel()
	src := newSource(t, slack.Settings{})
	body := []byte(`{"type":"event_callback"}`)
	tests := map[string]struct {
		ts     time.Time
		mutate func(h http.Header)
		want   error
	}{
		"good":              {clock, func(http.Header) {}, nil},
		"no signature":      {clock, func(h http.Header) { h.Del(slack.HeaderSignature) }, core.ErrBadSignature},
		"no timestamp":      {clock, func(h http.Header) { h.Del(slack.HeaderTimestamp) }, core.ErrBadSignature},
		"timestamp not int": {clock, func(h http.Header) { h.Set(slack.HeaderTimestamp, "soon") }, core.ErrBadSignature},
		"empty signature":   {clock, func(h http.Header) { h.Set(slack.HeaderSignature, "v0=") }, core.ErrBadSignature},
		"not hex":           {clock, func(h http.Header) { h.Set(slack.HeaderSignature, "v0=zz") }, core.ErrBadSignature},
		"stale":             {clock.Add(-time.Hour), func(http.Header) {}, core.ErrStale},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := signed(t, secret, tt.ts, "application/json", body)
			tt.mutate(r.Header)
			if err := src.CheckHeaders(r); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("CheckHeaders = %v, want %v", err, tt.want)
			}
		})
	}
}
