package app

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/netguard"
)

// outboundProblems reports connector URLs whose host the outbound guard
// refuses whatever DNS says: an internal address literal, or localhost,
// not listed in security.allow_outbound. Every call to them would fail.
// Names that resolve to internal addresses are caught at dial time only.
func outboundProblems(cfg *config.Config) config.Problems {
	allow, err := netguard.ParsePrefixes(cfg.Security.AllowOutbound)
	if err != nil {
		return nil // reported with the config itself
	}
	var ps config.Problems
	for _, list := range [][]config.Connector{cfg.Sinks, cfg.Sources} {
		for _, c := range list {
			for key, u := range c.URLs() {
				host := u.Hostname()
				if !refused(host, allow) {
					continue
				}
				ps = append(ps, c.Problem(key, fmt.Sprintf("%s is an internal address the outbound guard refuses; add it to security.allow_outbound to allow it", host)))
			}
		}
	}
	return ps
}

// refused reports whether every connection to host is refused: an address
// literal outside allow, or localhost with neither loopback allowed.
func refused(host string, allow []netip.Prefix) bool {
	if strings.EqualFold(host, "localhost") {
		return !netguard.Permitted(netip.MustParseAddr("127.0.0.1"), allow) &&
			!netguard.Permitted(netip.IPv6Loopback(), allow)
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && !netguard.Permitted(addr.Unmap(), allow)
}
