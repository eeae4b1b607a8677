package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// interpolator replaces ${VAR}, ${VAR:-default} and ${file:PATH} inside
// scalar values of the parsed tree. Working on the tree rather than the
// text means a secret holding ": " or "#" stays one string, and every line
// number stays where the file put it.
type interpolator struct {
	lookupEnv func(string) (string, bool)
	readFile  func(string) ([]byte, error)
	dir       string // relative ${file:...} paths start here
}

// walk interpolates every scalar value under n (keys are left alone) and
// returns a problem for every reference it could not resolve.
func (in interpolator) walk(n ast.Node, path string) Problems {
	var out Problems
	switch n := n.(type) {
	case nil:
	case *ast.AnchorNode:
		out = append(out, in.walk(n.Value, path)...)
	case *ast.TagNode:
		out = append(out, in.walk(n.Value, path)...)
	case *ast.LiteralNode:
		out = append(out, in.walk(n.Value, path)...)
	case *ast.StringNode:
		v, msgs := in.expand(n.Value)
		n.Value = v
		for _, m := range msgs {
			out = append(out, Problem{Line: nodeLine(n), Field: path, Message: m})
		}
	case ast.MapNode:
		it := n.MapRange()
		for it.Next() {
			p := path
			if !it.Key().IsMergeKey() {
				p = joinPath(path, keyString(it.Key()))
			}
			out = append(out, in.walk(it.Value(), p)...)
		}
	case *ast.SequenceNode:
		for i, v := range n.Values {
			out = append(out, in.walk(v, indexPath(path, i))...)
		}
	}
	return out
}

// expand resolves the references in one scalar. "$${" is a literal "${".
// It returns the messages of the references it could not resolve; those
// are left as written.
func (in interpolator) expand(s string) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var msgs []string
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "$${"):
			b.WriteString("${")
			s = s[3:]
			continue
		case !strings.HasPrefix(s, "${"):
			b.WriteByte('$')
			s = s[1:]
			continue
		}
		end := strings.IndexByte(s, '}')
		if end < 0 {
			msgs = append(msgs, fmt.Sprintf("unterminated reference %q", s))
			b.WriteString(s)
			break
		}
		ref := s[2:end]
		v, err := in.resolve(ref)
		if err != "" {
			msgs = append(msgs, err)
			v = s[:end+1]
		}
		b.WriteString(v)
		s = s[end+1:]
	}
	return b.String(), msgs
}

// resolve returns one reference's value, or a message saying why not.
func (in interpolator) resolve(ref string) (string, string) {
	if path, ok := strings.CutPrefix(ref, "file:"); ok {
		if path == "" {
			return "", `empty file path in "${file:}"`
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(in.dir, path)
		}
		data, err := in.readFile(path)
		if err != nil {
			return "", fmt.Sprintf("cannot read secret file: %v", err)
		}
		// Secret files are usually written by echo or an editor, which
		// add a final newline that is never part of the secret.
		return strings.TrimRight(string(data), "\r\n"), ""
	}
	name, def, hasDefault := strings.Cut(ref, ":-")
	if !validEnvName(name) {
		return "", fmt.Sprintf("invalid reference \"${%s}\": want ${VAR}, ${VAR:-default} or ${file:PATH}", ref)
	}
	v, ok := in.lookupEnv(name)
	if hasDefault && v == "" {
		// Like the shell's ":-": an empty variable also takes the default.
		return def, ""
	}
	if !ok {
		return "", fmt.Sprintf("environment variable %s is not set", name)
	}
	return v, ""
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
