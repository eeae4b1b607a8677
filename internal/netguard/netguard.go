// Package netguard decides which networks may talk to ticketbridge and
// which ticketbridge may talk to: allowlists for inbound webhooks (with
// the client address taken from X-Forwarded-For only behind trusted
// proxies) and a guard on outbound connections, so that a URL in the
// configuration cannot reach internal services (SSRF).
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ParsePrefixes reads CIDRs or single addresses.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR or an address", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Contains reports whether any prefix holds a.
func Contains(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the party that sent r: the connection's
// peer, or — when that peer is a trusted proxy — the last address in
// X-Forwarded-For that is not itself a trusted proxy.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if !peer.IsValid() || !Contains(trusted, peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",") // proxies may add a line of their own
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		if !Contains(trusted, a) {
			return a.Unmap()
		}
	}
	return peer
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}

// ErrDenied is returned for an outbound connection to a refused address.
var ErrDenied = errors.New("outbound connection to a private, loopback or link-local address refused")

// internal lists the networks an outbound call must not reach unless
// allowed: loopback, private, shared (CGNAT), link-local (cloud metadata
// lives at 169.254.169.254), unique-local and unspecified ones.
var internal = func() []netip.Prefix {
	ps, _ := ParsePrefixes([]string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
	})
	return ps
}()

// Permitted reports whether an outbound connection to a may be made.
func Permitted(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap()
	return !Contains(internal, a) || Contains(allow, a)
}

// Client is an HTTP client whose connections are checked after name
// resolution — so a public name that resolves to an internal address is
// refused too — against Permitted.
func Client(allow []netip.Prefix, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrDenied, address)
			}
			if !Permitted(ap.Addr(), allow) {
				return fmt.Errorf("%w: %s", ErrDenied, ap.Addr())
			}
			return nil
		},
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy would hide the final address from the check
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}
