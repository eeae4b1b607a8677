package config

import (
	"net/url"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// URLs returns the entry's top-level settings whose key ends in "url" and
// whose value is a string, keyed by setting: what checks of outbound
// destinations look at without knowing each connector's struct.
func (c Connector) URLs() map[string]*url.URL {
	out := map[string]*url.URL{}
	add := func(key, value string) {
		if !strings.HasSuffix(strings.ToLower(key), "url") || value == "" {
			return
		}
		if u, err := url.Parse(value); err == nil && u.Host != "" {
			out[key] = u
		}
	}
	if m, ok := c.node.(ast.MapNode); ok {
		it := m.MapRange()
		for it.Next() {
			if s, ok := it.Value().(*ast.StringNode); ok {
				add(keyString(it.Key()), s.Value)
			}
		}
	}
	for k, v := range c.set {
		if s, ok := v.(string); ok {
			add(k, s)
		}
	}
	return out
}
