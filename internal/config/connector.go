package config

import (
	"fmt"
	"maps"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// NewConnector builds a source or sink entry in Go (the built-in default
// config, tests). field is its place in the config, like "sinks[0]".
func NewConnector(field, id, typ string) Connector {
	return Connector{ID: id, Type: typ, field: field}
}

// Field is the entry's place in the config, like "sources[0]".
func (c Connector) Field() string { return c.field }

// Problem reports a connector-level problem at the line of key inside the
// entry (field "sources[0].secret"), or of the entry when the key is
// missing. An empty key points at the entry itself.
func (c Connector) Problem(key, message string) Problem {
	path := c.field
	if key != "" {
		path = joinPath(path, key)
	}
	if c.cfg == nil {
		return Problem{Field: path, Message: message}
	}
	return c.cfg.Problem(path, message)
}

// Set gives a key of the entry a value from Go, such as a secret generated
// at first start. It wins over the file's value for the same key. Copies
// of c made before the call do not see it.
func (c *Connector) Set(key string, value any) {
	c.set = maps.Clone(c.set)
	if c.set == nil {
		c.set = map[string]any{}
	}
	c.set[key] = value
	if s, ok := value.(string); ok {
		switch key {
		case "id":
			c.ID = s
		case "type":
			c.Type = s
		}
	}
}

// Decode reads the connector's whole mapping into v, a pointer to the
// connector's own struct with yaml tags. Keys id and type are accepted
// whether or not v has them. Every unknown key and wrong value comes back
// in Problems with its line and field (like "sinks[1].url_typo").
func (c Connector) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode %s: want a pointer to a struct, got %T", c.field, v)
	}
	cfg := c.cfg
	if cfg == nil {
		cfg = &Config{}
	}
	allow := func(key string) bool { return key == "id" || key == "type" }
	var problems Problems
	if c.node != nil {
		d := newDecoder(cfg, false)
		d.decodeDepth(withoutKeys(c.node, c.set), rv.Elem(), c.field, 0, allow)
		problems = append(problems, d.problems...)
	}
	extra := maps.Clone(c.set)
	if c.node == nil {
		if extra == nil {
			extra = map[string]any{}
		}
		extra["id"], extra["type"] = c.ID, c.Type
	}
	if len(extra) > 0 {
		// Marshal and parse rather than yaml.ValueToNode, which keeps the
		// quotes of a quoted string ("org#app") inside its value.
		text, err := yaml.Marshal(extra)
		if err != nil {
			return fmt.Errorf("decode %s: %w", c.field, err)
		}
		f, err := parser.ParseBytes(text, 0)
		if err != nil || len(f.Docs) == 0 {
			return fmt.Errorf("decode %s: %w", c.field, err)
		}
		n := f.Docs[0].Body
		d := newDecoder(cfg, true)
		d.decodeDepth(n, rv.Elem(), c.field, 0, allow)
		problems = append(problems, d.problems...)
	}
	return problems.err()
}

// withoutKeys returns a mapping like n without the keys in drop, so that
// values given by Set are not also checked in their file form.
func withoutKeys(n ast.Node, drop map[string]any) ast.Node {
	m, ok := n.(ast.MapNode)
	if !ok || len(drop) == 0 {
		return n
	}
	var kept []*ast.MappingValueNode
	it := m.MapRange()
	for it.Next() {
		if _, gone := drop[keyString(it.Key())]; !gone || it.Key().IsMergeKey() {
			kept = append(kept, it.KeyValue())
		}
	}
	return ast.Mapping(n.GetToken(), false, kept...)
}
