package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// document is what stays of the parsed file after loading: the line of
// every field path, so that problems found later (rules, connectors) can
// still point at the file.
type document struct {
	lines   map[string]int
	anchors map[string]ast.Node
}

// lineOf returns the line of path or of its nearest parent that the file
// has; the root falls back to line 1.
func (d *document) lineOf(path string) int {
	for {
		if l, ok := d.lines[path]; ok {
			return l
		}
		if path == "" {
			return 1
		}
		path = parentPath(path)
	}
}

// Load reads, interpolates, decodes, defaults and validates the YAML
// configuration at path. A missing or unreadable file is an ordinary
// wrapped error; anything wrong inside the file comes back as Problems,
// all of them, sorted by line, with the config as far as it could be read
// (nil after a syntax error) for tools that look for more problems.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse is Load for bytes already in hand; name is used in problems and its
// directory anchors relative ${file:...} paths. lookupEnv resolves ${VAR}
// (nil means os.LookupEnv), which lets tests avoid the process environment.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	cfg := &Config{File: name}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{syntaxProblem(name, err)}
	}
	var problems Problems
	var body ast.Node
	for i, doc := range f.Docs {
		if i == 0 {
			body = doc.Body
			continue
		}
		if doc.Body != nil {
			problems = append(problems, Problem{File: name, Line: nodeLine(doc.Body),
				Message: "only one YAML document is allowed"})
			break
		}
	}
	cfg.doc = &document{lines: map[string]int{}, anchors: map[string]ast.Node{}}
	index(cfg.doc, body, "")

	in := interpolator{lookupEnv: lookupEnv, readFile: os.ReadFile, dir: filepath.Dir(name)}
	for _, p := range in.walk(body, "") {
		p.File = name
		problems = append(problems, p)
	}

	d := newDecoder(cfg, false)
	if body != nil {
		d.decode(body, reflectValue(cfg), "")
	}
	problems = append(problems, d.problems...)

	cfg.WithDefaults()
	// A value that could not be read or resolved is already reported; its
	// zero or unresolved stand-in would only add a second, misleading
	// problem at the same field.
	reported := make(map[string]bool, len(problems))
	for _, p := range problems {
		reported[p.Field] = true
	}
	for _, p := range cfg.Validate() {
		if !reported[p.Field] {
			problems = append(problems, p)
		}
	}
	if err := problems.err(); err != nil {
		// The config comes back too, so that `config check` can add the
		// problems only building it finds; nothing may run on it.
		return cfg, err
	}
	return cfg, nil
}

// syntaxProblem turns a parse error into a problem at its line.
func syntaxProblem(name string, err error) Problem {
	p := Problem{File: name, Message: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Message = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p.Line = tk.Position.Line
		}
	}
	return p
}

// index records the line of every key and sequence item under path, and
// every anchor by name.
func index(d *document, n ast.Node, path string) {
	switch n := n.(type) {
	case nil:
	case *ast.AnchorNode:
		if n.Name != nil {
			d.anchors[n.Name.GetToken().Value] = n.Value
		}
		index(d, n.Value, path)
	case *ast.TagNode:
		index(d, n.Value, path)
	case ast.MapNode:
		it := n.MapRange()
		for it.Next() {
			if it.Key().IsMergeKey() {
				continue
			}
			p := joinPath(path, keyString(it.Key()))
			if _, seen := d.lines[p]; !seen {
				d.lines[p] = nodeLine(it.Key())
			}
			index(d, it.Value(), p)
		}
	case *ast.SequenceNode:
		for i, v := range n.Values {
			p := indexPath(path, i)
			d.lines[p] = nodeLine(v)
			index(d, v, p)
		}
	}
}

// nodeLine is the line a node starts on, 0 when it has no position (nodes
// built in Go).
func nodeLine(n ast.Node) int {
	if n == nil {
		return 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Line
}

// keyString is a mapping key's text.
func keyString(k ast.MapKeyNode) string {
	var n ast.Node = k
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value
	}
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}
