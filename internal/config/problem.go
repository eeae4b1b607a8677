package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a configuration, located by file, line
// and field path (like "routes[1].trigger.confirm_timeout").
type Problem struct {
	File    string
	Line    int
	Field   string
	Message string
}

// String renders "file:line: field: message". Parts that are unknown are
// left out rather than printed empty: the built-in default config has no
// file and no lines, and a YAML syntax error has no field.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

func (p Problem) Error() string { return p.String() }

// Problems is every problem found in one configuration. It is an error so
// that Load can return all of them at once.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders problems by file position so that the report reads top to
// bottom like the file; ties keep the order they were found in.
func (ps Problems) sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Compare(a.Line, b.Line)
	})
}

// err returns ps as an error, or nil when there are none (never a typed nil).
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	ps.sort()
	return ps
}

// Problem builds a problem at the line of a field path such as
// "routes[0].mapping.title". When the path is not in the file (a missing
// key), the nearest parent that is gives the line; the built-in default
// config has no lines and reports line 0.
func (c *Config) Problem(field, message string) Problem {
	p := Problem{File: c.File, Field: field, Message: message}
	if c.doc != nil {
		p.Line = c.doc.lineOf(field)
	}
	return p
}

// parentPath strips the last segment of a field path: "a.b[2]" -> "a.b",
// "a.b" -> "a", "a" -> "".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// joinPath appends a mapping key to a field path.
func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// indexPath appends a sequence index to a field path.
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// Merge adds to ps the problems of more at fields ps does not already
// report (a second check of the same field would only say it again in
// other words), sorted by line.
func (ps Problems) Merge(more Problems) Problems {
	out := slices.Clone(ps)
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		seen[p.Field] = true
	}
	for _, p := range more {
		if !seen[p.Field] {
			out = append(out, p)
		}
	}
	out.sort()
	return out
}
