package netguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/netguard"
)

func TestClientIP(t *testing.T) {
	trusted, _ := netguard.ParsePrefixes([]string{"10.0.0.0/8", "192.0.2.7"})
	tests := []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:4411", "", "203.0.113.5"},
		{"203.0.113.5:4411", "1.2.3.4", "203.0.113.5"},                     // untrusted peer: header ignored
		{"10.1.2.3:80", "198.51.100.9", "198.51.100.9"},                    // trusted proxy
		{"10.1.2.3:80", "6.6.6.6, 198.51.100.9, 10.9.9.9", "198.51.100.9"}, // spoofed head ignored
		{"10.1.2.3:80", "6.6.6.6\n198.51.100.9", "198.51.100.9"},           // the proxy added a header line of its own
		{"192.0.2.7:80", "garbage", "192.0.2.7"},
		{"[2001:db8::1]:443", "", "2001:db8::1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			for _, line := range strings.Split(tt.xff, "\n") {
				r.Header.Add("X-Forwarded-For", line)
			}
		}
		if got := netguard.ClientIP(r, trusted); got.String() != tt.want {
			t.Errorf("%s / %q: %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestPermitted(t *testing.T) {
	allow, _ := netguard.ParsePrefixes([]string{"10.20.0.0/16"})
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "127.0.0.1": false, "169.254.169.254": false, "10.1.1.1": false,
		"10.20.3.4": true, "192.168.1.1": false, "::1": false, "fd00::1": false, "2606:4700::1111": true,
		"::ffff:127.0.0.1": false, "100.64.0.1": false,
	} {
		if got := netguard.Permitted(netip.MustParseAddr(addr), allow); got != want {
			t.Errorf("Permitted(%s) = %v, want %v", addr, got, want)
		}
	}
}

// The guarded client refuses loopback unless allowed, after resolution.
func TestClientRefusesInternalAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	_, err := netguard.Client(nil, 5*time.Second).Get(srv.URL)
	if !errors.Is(err, netguard.ErrDenied) {
		t.Fatalf("loopback call: %v, want ErrDenied", err)
	}
	// "localhost" resolves to loopback: refused as well.
	if _, err := netguard.Client(nil, 5*time.Second).Get("http://localhost:1/"); !errors.Is(err, netguard.ErrDenied) {
		t.Fatalf("localhost call: %v, want ErrDenied", err)
	}
	allow, _ := netguard.ParsePrefixes([]string{"127.0.0.0/8"})
	resp, err := netguard.Client(allow, 5*time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowed loopback call: %v", err)
	}
	resp.Body.Close()
}
