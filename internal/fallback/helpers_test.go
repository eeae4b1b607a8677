package fallback_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// clock is the fixed "now" of every test: 2023-11-14T22:13:20Z.
var clock = time.Unix(1700000000, 0).UTC()

func fixedNow() time.Time { return clock }

// sampleNotice is a Chinese notice with every field set.
func sampleNotice() fallback.Notice {
	return fallback.Notice{
		Subject:      "工单 OPS-42 已解决",
		Text:         "您好，您反馈的打印机问题已经处理完毕。\n如仍有问题请回复。",
		Conversation: core.ConversationRef{Source: "dt", Conversation: "cid123"},
		Ticket:       core.TicketRef{Sink: "jira", Key: "OPS-42", URL: "https://jira.example.com/browse/OPS-42", Status: "resolved"},
		Reason:       "session webhook expired",
	}
}

// readJSON decodes a request body into v, failing the test on bad JSON.
func readJSON(t *testing.T, r *http.Request, v any) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read body: %v", err)
		return
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Errorf("body is not JSON: %v: %s", err, b)
	}
}

// wantCallError checks that err is a CallError with the given class and
// that its text contains want.
func wantCallError(t *testing.T, err error, want string, permanent bool, retryAfter time.Duration) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %q", want)
	}
	var ce *core.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *core.CallError", err, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if core.IsPermanent(err) != permanent {
		t.Errorf("IsPermanent(%v) = %v, want %v", err, !permanent, permanent)
	}
	if got, _ := core.RetryAfterOf(err); got != retryAfter {
		t.Errorf("RetryAfter = %v, want %v", got, retryAfter)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and localhost and the pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtp test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("127.0.0.2")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
