package agora_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"net/http"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
)

// The official NCS vectors (im-protocols.md §5.2), secret "secret".
const (
	a1Body = `{"eventMs":1560408533119,"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}`
	a1V1   = "033c62f40f687675f17f0f41f91a40c71c0f134c"
	a1V2   = "6d3320c60b11101395b7fc8f9068748808a0aa1bfa064438e39d1bc2c7d74d99"
	a2Body = `{"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}`
	a2V1   = "5a3bb6a6d9fad2ea9ae3fb707a14c9d7f3136df1"
	a2V2   = "de96da5acf03b0021ac3b4fa2225e7ae6f3533a30d50bb02c08ea4fa748bda24"
)

func TestNCSVectors(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings(""))
	cases := map[string]struct {
		body, header, digest string
	}{
		"A1 v1": {a1Body, agora.HeaderSignature, a1V1},
		"A1 v2": {a1Body, agora.HeaderSignatureV2, a1V2},
		"A2 v1": {a2Body, agora.HeaderSignature, a2V1},
		"A2 v2": {a2Body, agora.HeaderSignatureV2, a2V2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			newHash := sha1.New
			if tc.header == agora.HeaderSignatureV2 {
				newHash = sha256.New
			}
			if got := agora.SignNCS(newHash, ncsSecret, []byte(tc.body)); got != tc.digest {
				t.Fatalf("SignNCS = %s, want %s", got, tc.digest)
			}
			r := request([]byte(tc.body), http.Header{tc.header: {tc.digest}})
			if err := src.Verify(r, []byte(tc.body)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// The vectors are the Console's test notice: acknowledged,
			// nothing stored.
			in, err := src.Parse(t.Context(), r, []byte(tc.body))
			if err != nil || len(in.Events) != 0 {
				t.Fatalf("Parse: %+v, %v", in, err)
			}
			// The doc error (A2's body with A1's digests) must not pass.
			other := map[string]string{a1V1: a2V1, a2V1: a1V1, a1V2: a2V2, a2V2: a1V2}[tc.digest]
			if err := src.Verify(request([]byte(tc.body), http.Header{tc.header: {other}}), []byte(tc.body)); !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("the other vector's digest: %v", err)
			}
		})
	}
}
