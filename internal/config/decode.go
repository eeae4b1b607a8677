package config

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// decoder maps a parsed YAML tree onto Go values field by field. goccy's
// own decoder stops at the first error and reports unknown keys without
// their path; walking the tree ourselves reports every unknown key and
// every wrong value with its field path and line. Scalars that need more
// than a type switch (interfaces, custom unmarshalers) still go through
// yaml.NodeToValue.
type decoder struct {
	cfg *Config
	// synthetic trees (built from Go values by Connector.Set) have no
	// positions: their problems take the line of the field in the file.
	synthetic bool
	problems  Problems
	budget    int // nodes left to visit; aliases can multiply a small file
}

const maxDepth = 64

func newDecoder(cfg *Config, synthetic bool) *decoder {
	return &decoder{cfg: cfg, synthetic: synthetic, budget: 1_000_000}
}

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v).Elem() }

var (
	durationType  = reflect.TypeFor[time.Duration]()
	connectorType = reflect.TypeFor[Connector]()
)

func (d *decoder) problem(n ast.Node, path, format string, args ...any) {
	p := Problem{File: d.cfg.File, Field: path, Message: fmt.Sprintf(format, args...)}
	if l := nodeLine(n); l > 0 && !d.synthetic {
		p.Line = l
	} else if d.cfg.doc != nil {
		p.Line = d.cfg.doc.lineOf(path)
	}
	d.problems = append(d.problems, p)
}

// resolve unwraps anchors, tags and aliases down to the node with content.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range maxDepth {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		case *ast.AliasNode:
			if d.cfg.doc == nil || t.Value == nil {
				return nil
			}
			n = d.cfg.doc.anchors[t.Value.GetToken().Value]
		default:
			return n
		}
	}
	return nil
}

func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	d.decodeDepth(n, v, path, 0, nil)
}

// decodeDepth decodes n into v. allow says which keys the top struct
// accepts beyond its own fields (a connector's id and type).
func (d *decoder) decodeDepth(n ast.Node, v reflect.Value, path string, depth int, allow func(key string) bool) {
	d.budget--
	if d.budget == 0 {
		d.problem(n, path, "document expands to too many nodes")
	}
	if d.budget <= 0 {
		return
	}
	if depth > maxDepth {
		d.problem(n, path, "nested too deeply")
		return
	}
	orig := n
	n = d.resolve(n)
	if n == nil {
		if _, isAlias := orig.(*ast.AliasNode); isAlias {
			d.problem(orig, path, "unknown alias")
		}
		return
	}
	if n.Type() == ast.NullType {
		// An empty value ("key:") leaves the zero value, so defaults apply.
		v.Set(reflect.Zero(v.Type()))
		return
	}
	switch {
	case v.Type() == durationType:
		d.duration(n, v, path)
		return
	case v.Type() == connectorType:
		d.connector(n, v, path)
		return
	case hasUnmarshaler(v):
		if err := yaml.NodeToValue(n, v.Addr().Interface()); err != nil {
			d.problem(n, path, "%s", yamlMessage(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decodeDepth(n, v.Elem(), path, depth+1, allow)
	case reflect.Struct:
		d.structure(n, v, path, depth, allow)
	case reflect.Map:
		d.mapping(n, v, path, depth)
	case reflect.Slice:
		d.sequence(n, v, path, depth)
	case reflect.String:
		if s, ok := scalarText(n); ok {
			v.SetString(s)
		} else {
			d.problem(n, path, "expected a string, got %s", describe(n))
		}
	case reflect.Bool:
		d.boolean(n, v, path)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		d.integer(n, v, path)
	case reflect.Float32, reflect.Float64:
		d.float(n, v, path)
	default:
		// Interfaces and anything else: goccy knows best.
		if err := yaml.NodeToValue(n, v.Addr().Interface()); err != nil {
			d.problem(n, path, "%s", yamlMessage(err))
		}
	}
}

// structure decodes a mapping into a struct, reporting unknown keys.
func (d *decoder) structure(n ast.Node, v reflect.Value, path string, depth int, allow func(key string) bool) {
	m, ok := n.(ast.MapNode)
	if !ok {
		d.problem(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	it := m.MapRange()
	for it.Next() {
		key, val := it.Key(), it.Value()
		if key.IsMergeKey() {
			// "<<: *base" or "<<: [*a, *b]": the merged mappings decode
			// first and the explicit keys that follow override them.
			if seq, isSeq := d.resolve(val).(*ast.SequenceNode); isSeq {
				for _, item := range seq.Values {
					d.decodeDepth(item, v, path, depth+1, allow)
				}
			} else {
				d.decodeDepth(val, v, path, depth+1, allow)
			}
			continue
		}
		name := keyString(key)
		p := joinPath(path, name)
		idx, known := fields[name]
		if !known {
			// Top-level "x-" keys are the file's own: a place to define
			// anchors (as in Compose files).
			extension := path == "" && strings.HasPrefix(name, "x-")
			if (allow == nil || !allow(name)) && !extension {
				d.problem(key, p, "%s", unknownField(name, fields))
			}
			continue
		}
		d.decodeDepth(val, v.FieldByIndex(idx), p, depth+1, nil)
	}
}

func (d *decoder) mapping(n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(ast.MapNode)
	if !ok {
		d.problem(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		if err := yaml.NodeToValue(n, v.Addr().Interface()); err != nil {
			d.problem(n, path, "%s", yamlMessage(err))
		}
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	it := m.MapRange()
	for it.Next() {
		if it.Key().IsMergeKey() {
			d.decodeDepth(it.Value(), v, path, depth+1, nil)
			continue
		}
		name := keyString(it.Key())
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decodeDepth(it.Value(), elem, joinPath(path, name), depth+1, nil)
		v.SetMapIndex(reflect.ValueOf(name).Convert(v.Type().Key()), elem)
	}
}

func (d *decoder) sequence(n ast.Node, v reflect.Value, path string, depth int) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.problem(n, path, "expected a list, got %s", describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		d.decodeDepth(item, out.Index(i), indexPath(path, i), depth+1, nil)
	}
	v.Set(out)
}

func (d *decoder) boolean(n ast.Node, v reflect.Value, path string) {
	switch t := n.(type) {
	case *ast.BoolNode:
		v.SetBool(t.Value)
		return
	case *ast.StringNode:
		// A plain ${VAR} stays a string after interpolation.
		if b, err := strconv.ParseBool(t.Value); err == nil {
			v.SetBool(b)
			return
		}
	}
	d.problem(n, path, "expected true or false, got %s", describe(n))
}

func (d *decoder) integer(n ast.Node, v reflect.Value, path string) {
	var text string
	switch t := n.(type) {
	case *ast.IntegerNode:
		text = t.Token.Value
		switch iv := t.Value.(type) {
		case int64:
			d.setInt(n, v, path, iv, iv >= 0, uint64(iv))
			return
		case uint64:
			d.setInt(n, v, path, int64(iv), true, iv)
			return
		}
	case *ast.StringNode:
		text = strings.TrimSpace(t.Value)
	default:
		d.problem(n, path, "expected an integer, got %s", describe(n))
		return
	}
	if i, err := strconv.ParseInt(text, 0, 64); err == nil {
		d.setInt(n, v, path, i, i >= 0, uint64(i))
		return
	}
	if u, err := strconv.ParseUint(text, 0, 64); err == nil {
		d.setInt(n, v, path, math.MaxInt64, true, u)
		return
	}
	d.problem(n, path, "expected an integer, got %s", describe(n))
}

// setInt stores a parsed integer, checking the destination's range; u is
// meaningful when nonNeg is true.
func (d *decoder) setInt(n ast.Node, v reflect.Value, path string, i int64, nonNeg bool, u uint64) {
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !nonNeg || v.OverflowUint(u) {
			d.problem(n, path, "%s is out of range", describe(n))
			return
		}
		v.SetUint(u)
	default:
		if (nonNeg && u > math.MaxInt64) || v.OverflowInt(i) {
			d.problem(n, path, "%s is out of range", describe(n))
			return
		}
		v.SetInt(i)
	}
}

func (d *decoder) float(n ast.Node, v reflect.Value, path string) {
	if s, ok := scalarText(n); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !v.OverflowFloat(f) {
			v.SetFloat(f)
			return
		}
	}
	d.problem(n, path, "expected a number, got %s", describe(n))
}

// duration takes Go duration strings ("10m", "90s"). A bare number is
// refused: nanoseconds are never what someone writing "30" meant.
func (d *decoder) duration(n ast.Node, v reflect.Value, path string) {
	if s, ok := n.(*ast.StringNode); ok {
		if dur, err := time.ParseDuration(strings.TrimSpace(s.Value)); err == nil {
			v.SetInt(int64(dur))
			return
		}
	}
	if i, ok := n.(*ast.IntegerNode); ok && i.Token.Value == "0" {
		v.SetInt(0)
		return
	}
	d.problem(n, path, `expected a duration such as "90s" or "10m", got %s`, describe(n))
}

// connector keeps a source or sink entry's tree for the connector's own
// Decode and reads the common id and type.
func (d *decoder) connector(n ast.Node, v reflect.Value, path string) {
	if _, ok := n.(ast.MapNode); !ok {
		d.problem(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	// The other keys belong to the connector and are checked by its
	// Decode; merge keys may supply id and type.
	var common struct {
		ID   string `yaml:"id"`
		Type string `yaml:"type"`
	}
	d.structure(n, reflect.ValueOf(&common).Elem(), path, 1, func(string) bool { return true })
	c := Connector{ID: common.ID, Type: common.Type, field: path, cfg: d.cfg, node: n}
	v.Set(reflect.ValueOf(c))
}

// fieldsOf maps yaml names to field indexes the way goccy names them: the
// tag's name, else the lowercased field name; ",inline" flattens.
func fieldsOf(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
			for k, idx := range fieldsOf(f.Type) {
				out[k] = append([]int{i}, idx...)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = []int{i}
	}
	return out
}

func hasUnmarshaler(v reflect.Value) bool {
	if !v.CanAddr() {
		return false
	}
	switch v.Addr().Interface().(type) {
	case yaml.BytesUnmarshaler, yaml.BytesUnmarshalerContext,
		yaml.InterfaceUnmarshaler, yaml.InterfaceUnmarshalerContext,
		yaml.NodeUnmarshaler, yaml.NodeUnmarshalerContext,
		encoding.TextUnmarshaler:
		return true
	}
	return false
}

// scalarText is the text of a scalar: the (interpolated) value of a
// string, the source text of anything else.
func scalarText(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// describe names what a node holds for messages: the quoted text of a
// scalar, the kind of a collection.
func describe(n ast.Node) string {
	switch n.(type) {
	case ast.MapNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if s, ok := scalarText(n); ok {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return strconv.Quote(s)
	}
	return n.Type().String()
}

// yamlMessage strips goccy's source excerpt from an error; the problem
// carries the position already.
func yamlMessage(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return ye.GetMessage()
	}
	return err.Error()
}

// unknownField says a key is not known, suggesting the closest known one
// when it looks like a typo.
func unknownField(name string, fields map[string][]int) string {
	best, bestDist := "", 3
	for k := range fields {
		dist := editDistance(name, k)
		if dist < bestDist || (dist == bestDist && k < best) {
			best, bestDist = k, dist
		}
	}
	if best != "" && bestDist <= len(best)/3+1 {
		return fmt.Sprintf("unknown field (did you mean %q?)", best)
	}
	return "unknown field"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
