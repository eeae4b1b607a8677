package stdwebhook

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// FuzzVerify feeds arbitrary headers and bodies to Verify. It must never
// panic, must refuse only with the documented error classes, must accept
// what it signed itself, and must accept nothing the reference library's
// signature does not appear in.
func FuzzVerify(f *testing.F) {
	f.Add(vecID, "1614265330", vecSig, []byte(vecBody), false)
	f.Add(vecID, "1614265330", "", []byte(vecBody), true)
	f.Add("", "", "", []byte{}, false)
	f.Add("id", "-1", "v1,AAAA v2,BBBB", []byte("x"), false)
	f.Add("id", "99999999999999999999", "v1,", []byte(nil), false)

	key := Secret("0123456789abcdef01234567")
	ref, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(vecTS, 0)
	v := &Verifier{Keys: []Secret{key}, Now: func() time.Time { return now }}

	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, signIt bool) {
		h := http.Header{}
		h[http.CanonicalHeaderKey(HeaderID)] = []string{id}
		h[http.CanonicalHeaderKey(HeaderTimestamp)] = []string{ts}
		if signIt {
			if t0, err := ParseTimestamp(ts); err == nil {
				sig = sig + " " + Sign(key, id, t0, body)
			}
		}
		h[http.CanonicalHeaderKey(HeaderSignature)] = []string{sig}

		got, err := v.Verify(h, body)
		if err != nil {
			if !errors.Is(err, core.ErrBadSignature) && !errors.Is(err, core.ErrStale) {
				t.Fatalf("unexpected error class: %v", err)
			}
			if got != "" {
				t.Fatalf("id %q returned with error", got)
			}
			if signIt && id != "" && !errors.Is(err, core.ErrStale) && len(strings.Fields(sig)) <= maxSignatures {
				if _, perr := ParseTimestamp(ts); perr == nil {
					t.Fatalf("refused its own signature: %v", err)
				}
			}
			return
		}
		if got != id {
			t.Fatalf("id = %q, header %q", got, id)
		}
		t0, _ := ParseTimestamp(ts)
		want, _ := ref.Sign(id, t0, body)
		found := false
		for _, e := range strings.Fields(sig) {
			found = found || e == want
		}
		if !found {
			t.Fatalf("accepted %q but the reference signature %q is not in it", sig, want)
		}
	})
}
