package stdwebhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// The vector published with the Standard Webhooks spec.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustSecret(t testing.TB, s string) Secret {
	t.Helper()
	k, err := ParseSecret(s)
	if err != nil {
		t.Fatalf("ParseSecret(%q): %v", s, err)
	}
	return k
}

func TestSignPublishedVector(t *testing.T) {
	t.Parallel()
	key := mustSecret(t, vecSecret)
	if got := Sign(key, vecID, time.Unix(vecTS, 0), []byte(vecBody)); got != vecSig {
		t.Fatalf("Sign = %q, want %q", got, vecSig)
	}
	h := http.Header{}
	SetHeaders(h, key, vecID, time.Unix(vecTS, 0), []byte(vecBody))
	v := &Verifier{Keys: []Secret{key}, Now: func() time.Time { return time.Unix(vecTS+10, 0) }}
	id, err := v.Verify(h, []byte(vecBody))
	if err != nil || id != vecID {
		t.Fatalf("Verify = %q, %v; want %q, nil", id, err, vecID)
	}
	if h.Get("Webhook-Timestamp") != strconv.Itoa(vecTS) {
		t.Fatalf("timestamp header = %q", h.Get("Webhook-Timestamp"))
	}
}

// The independent library must agree with us both ways.
func TestCrossCheckWithReferenceLibrary(t *testing.T) {
	t.Parallel()
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	key := mustSecret(t, secret)
	now := time.Now()
	bodies := []string{"", "{}", `{"a":"ü ✓"}`, strings.Repeat("x", 5000)}
	for i, body := range bodies {
		id := NewMessageID()
		want, err := ref.Sign(id, now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if got := Sign(key, id, now, []byte(body)); got != want {
			t.Errorf("body %d: Sign = %q, reference %q", i, got, want)
		}
		// Ours signs, theirs verifies.
		h := http.Header{}
		SetHeaders(h, key, id, now, []byte(body))
		if err := ref.Verify([]byte(body), h); err != nil {
			t.Errorf("body %d: reference rejects our headers: %v", i, err)
		}
		// Theirs signs, ours verifies.
		h2 := http.Header{}
		h2.Set(HeaderID, id)
		h2.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		h2.Set(HeaderSignature, want)
		v := &Verifier{Keys: []Secret{key}}
		if _, err := v.Verify(h2, []byte(body)); err != nil {
			t.Errorf("body %d: we reject reference headers: %v", i, err)
		}
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in      string
		wantLen int
		wantErr string
	}{
		"published":         {in: vecSecret, wantLen: 24},
		"unpadded":          {in: "whsec_YWJjZA", wantLen: 4},
		"no prefix":         {in: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", wantErr: "must start with whsec_"},
		"bad base64":        {in: "whsec_!!!!", wantErr: "not valid base64"},
		"empty key":         {in: "whsec_", wantErr: "key is empty"},
		"empty":             {in: "", wantErr: "must start with whsec_"},
		"wrong case prefix": {in: "WHSEC_YWJj", wantErr: "must start with whsec_"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k, err := ParseSecret(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(k) != tt.wantLen {
				t.Fatalf("key length %d, want %d", len(k), tt.wantLen)
			}
		})
	}
}

func TestNewSecretRoundTrip(t *testing.T) {
	t.Parallel()
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	k := mustSecret(t, a)
	if len(k) != 24 || k.String() != a {
		t.Fatalf("round trip: len %d, %q vs %q", len(k), k.String(), a)
	}
	if id := NewMessageID(); !strings.HasPrefix(id, "msg_") || len(id) < 20 {
		t.Fatalf("message id %q", id)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key := mustSecret(t, vecSecret)
	other := mustSecret(t, "whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvIQ==")
	base := time.Unix(vecTS, 0)
	body := []byte(vecBody)
	good := Sign(key, vecID, base, body)
	bad := Sign(other, vecID, base, body)

	tests := map[string]struct {
		keys    []Secret
		now     time.Time
		edit    func(h http.Header)
		body    string
		wantErr error
		reason  string
	}{
		"valid":                 {},
		"wrong secret":          {keys: []Secret{other}, wantErr: core.ErrBadSignature, reason: "no signature matches"},
		"tampered body":         {body: `{"test": 2432232315}`, wantErr: core.ErrBadSignature},
		"tampered id":           {edit: func(h http.Header) { h.Set(HeaderID, vecID+"x") }, wantErr: core.ErrBadSignature},
		"tampered timestamp":    {edit: func(h http.Header) { h.Set(HeaderTimestamp, strconv.Itoa(vecTS+1)) }, wantErr: core.ErrBadSignature},
		"old edge ok":           {now: base.Add(5 * time.Minute)},
		"old edge stale":        {now: base.Add(5*time.Minute + time.Second), wantErr: core.ErrStale},
		"future edge ok":        {now: base.Add(-5 * time.Minute)},
		"future edge stale":     {now: base.Add(-5*time.Minute - time.Second), wantErr: core.ErrStale},
		"rotation second valid": {edit: func(h http.Header) { h.Set(HeaderSignature, bad+" "+good) }},
		"rotation second key":   {keys: []Secret{other, key}},
		"rotation none valid":   {edit: func(h http.Header) { h.Set(HeaderSignature, bad+" "+bad) }, wantErr: core.ErrBadSignature},
		"v2 entry ignored":      {edit: func(h http.Header) { h.Set(HeaderSignature, "v2,"+good[3:]) }, wantErr: core.ErrBadSignature, reason: "no v1 signature"},
		"v2 then v1":            {edit: func(h http.Header) { h.Set(HeaderSignature, "v1a,xyz v2,"+good[3:]+"  "+good) }},
		"garbage signature":     {edit: func(h http.Header) { h.Set(HeaderSignature, "garbage ,,, v1,@@@") }, wantErr: core.ErrBadSignature},
		"garbage timestamp":     {edit: func(h http.Header) { h.Set(HeaderTimestamp, "yesterday") }, wantErr: core.ErrBadSignature, reason: "not unix seconds"},
		"missing id":            {edit: func(h http.Header) { h.Del(HeaderID) }, wantErr: core.ErrBadSignature, reason: "missing webhook-id"},
		"missing timestamp":     {edit: func(h http.Header) { h.Del(HeaderTimestamp) }, wantErr: core.ErrBadSignature, reason: "missing webhook-timestamp"},
		"missing signature":     {edit: func(h http.Header) { h.Del(HeaderSignature) }, wantErr: core.ErrBadSignature, reason: "missing webhook-signature"},
		"no keys":               {keys: []Secret{}, wantErr: core.ErrBadSignature, reason: "no keys"},
		"valid as 16th entry":   {edit: func(h http.Header) { h.Set(HeaderSignature, strings.Repeat(bad+" ", maxSignatures-1)+good) }},
		"valid past 16 entries": {edit: func(h http.Header) { h.Set(HeaderSignature, strings.Repeat(bad+" ", maxSignatures)+good) }, wantErr: core.ErrBadSignature, reason: "no signature matches"},
		"overlong entry":        {edit: func(h http.Header) { h.Set(HeaderSignature, "v1,"+strings.Repeat("QUFB", 40)) }, wantErr: core.ErrBadSignature, reason: "no v1 signature"},
		"overlong then valid":   {edit: func(h http.Header) { h.Set(HeaderSignature, "v1,"+strings.Repeat("QUFB", 40)+" "+good) }},
		"signature of other id": {edit: func(h http.Header) { h.Set(HeaderSignature, Sign(key, "msg_other", base, body)) }, wantErr: core.ErrBadSignature},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			h.Set(HeaderID, vecID)
			h.Set(HeaderTimestamp, strconv.Itoa(vecTS))
			h.Set(HeaderSignature, good)
			if tt.edit != nil {
				tt.edit(h)
			}
			keys := tt.keys
			if keys == nil {
				keys = []Secret{key}
			}
			now := tt.now
			if now.IsZero() {
				now = base
			}
			b := body
			if tt.body != "" {
				b = []byte(tt.body)
			}
			v := &Verifier{Keys: keys, Tolerance: 5 * time.Minute, Now: func() time.Time { return now }}
			id, err := v.Verify(h, b)
			if tt.wantErr == nil {
				if err != nil || id != vecID {
					t.Fatalf("Verify = %q, %v; want ok", id, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if id != "" {
				t.Fatalf("id %q returned with error", id)
			}
			if tt.reason != "" && !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %q, want reason %q", err, tt.reason)
			}
		})
	}
}

func TestVerifyDefaultTolerance(t *testing.T) {
	t.Parallel()
	key := mustSecret(t, vecSecret)
	h := http.Header{}
	SetHeaders(h, key, vecID, time.Unix(vecTS, 0), []byte(vecBody))
	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{{DefaultTolerance, true}, {DefaultTolerance + time.Second, false}} {
		now := time.Unix(vecTS, 0).Add(tc.skew)
		v := &Verifier{Keys: []Secret{key}, Now: func() time.Time { return now }}
		_, err := v.Verify(h, []byte(vecBody))
		if (err == nil) != tc.ok {
			t.Errorf("skew %s: err = %v", tc.skew, err)
		}
	}
}

// BenchmarkVerify is what ingress spends on a signed delivery's headers
// and signature: CheckHeaders before the body is read, then Verify.
func BenchmarkVerify(b *testing.B) {
	key := mustSecret(b, vecSecret)
	body := []byte(`{"type":"message","conversation":{"id":"c-1"},"sender":{"id":"s-1","role":"customer"},"text":"thanks, that answers my question #1"}`)
	now := time.Now()
	h := http.Header{}
	SetHeaders(h, key, "msg_1", now, body)
	v := &Verifier{Keys: []Secret{key}}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.CheckHeaders(h); err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}

// A signed delivery is verified without allocating: the MAC's scratch
// space lives in the pooled item and its sum is returned by value. (A
// collection may empty the pool during the runs, hence less than one per
// run rather than zero.)
func TestVerifyAllocates(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector empties pools at random")
	}
	key := mustSecret(t, vecSecret)
	body := []byte(`{"text":"hello"}`)
	h := http.Header{}
	SetHeaders(h, key, "msg_1", time.Now(), body)
	v := &Verifier{Keys: []Secret{key}}
	n := testing.AllocsPerRun(200, func() {
		if _, err := v.Verify(h, body); err != nil {
			t.Fatal(err)
		}
	})
	if n >= 1 {
		t.Errorf("Verify allocates %.1f times per call, want none", n)
	}
}

func TestCanonicalHeaderNames(t *testing.T) {
	t.Parallel()
	for name, canonical := range map[string]string{HeaderID: CanonicalID, HeaderTimestamp: CanonicalTimestamp, HeaderSignature: CanonicalSignature} {
		if got := http.CanonicalHeaderKey(name); got != canonical {
			t.Errorf("%s: canonical form %q, the constant says %q", name, got, canonical)
		}
	}
}

// MACs are reused between requests (keyedMACs): signing with two keys in
// turn must give each key's own signature every time, never one made
// with the other key's state.
func TestSignAlternatingKeys(t *testing.T) {
	t.Parallel()
	vec := mustSecret(t, vecSecret)
	other, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := standardwebhooks.NewWebhook(other)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := mustSecret(t, other)
	now := time.Unix(vecTS, 0)
	for i := range 20 {
		if got := Sign(vec, vecID, now, []byte(vecBody)); got != vecSig {
			t.Fatalf("round %d: vector key signs %q, want %q", i, got, vecSig)
		}
		want, err := ref.Sign(vecID, now, []byte(vecBody))
		if err != nil {
			t.Fatal(err)
		}
		if got := Sign(otherKey, vecID, now, []byte(vecBody)); got != want {
			t.Fatalf("round %d: other key signs %q, reference %q", i, got, want)
		}
	}
}
