package sinkhttp

import (
	"regexp"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// A marker carries an effect's key (core.Comment.Key) inside the text of
// a comment, for systems that keep nothing else beside a comment that we
// could set and read back. It is added last, so the last marker in a text
// is ours even when quoted chat text contains one.
//
// Systems that render Markdown or HTML hide an HTML comment
// (<!-- ticketbridge:KEY -->); plain-text systems show one short line
// (ref: KEY).

// MarkerStyle says how a system shows a marker.
type MarkerStyle int

const (
	// Visible is a line of its own, "ref: KEY", for plain-text bodies.
	Visible MarkerStyle = iota
	// Hidden is an HTML comment, for Markdown and HTML bodies.
	Hidden
)

// keyChars are the characters a key may have; keys are built by
// ticketbridge (tb-append-<link>-<first>-<last>, tb-attach-…).
const keyChars = `[A-Za-z0-9._:-]+`

var markerRE = regexp.MustCompile(`<!--\s*ticketbridge:(` + keyChars + `)\s*-->|\bref: (tb-` + keyChars + `)`)

// Marker is the marker for key in style.
func Marker(key string, style MarkerStyle) string {
	if style == Hidden {
		return "<!-- ticketbridge:" + key + " -->"
	}
	return "ref: " + key
}

// Marked is body with the marker for key added as its last line; body
// as it is when key is "" (a comment that is not an effect of ours).
func Marked(body, key string, style MarkerStyle) string {
	if key == "" {
		return body
	}
	return strings.TrimRight(body, "\n") + "\n\n" + Marker(key, style)
}

// MarkerKey is the key of the last marker in text.
func MarkerKey(text string) (string, bool) {
	ms := markerRE.FindAllStringSubmatch(text, -1)
	if len(ms) == 0 {
		return "", false
	}
	m := ms[len(ms)-1]
	if m[1] != "" {
		return m[1], true
	}
	return m[2], true
}

// StripMarker removes the last marker (and the blank line before it) that
// Marked added, for showing a comment of ours as its author wrote it.
func StripMarker(text string) string {
	locs := markerRE.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return text
	}
	l := locs[len(locs)-1]
	return strings.TrimRight(text[:l[0]], " \n") + text[l[1]:]
}

// FindMarked returns the key of the first text whose last marker starts
// with prefix; texts are read in the order given (newest first, as the
// finders list them).
func FindMarked(texts []string, prefix string) (string, bool) {
	for _, t := range texts {
		if k, ok := MarkerKey(t); ok && strings.HasPrefix(k, prefix) {
			return k, true
		}
	}
	return "", false
}

// The hidden line that carries a ticket's external id in an issue body of
// a Markdown tracker (GitHub, Gitea, GitLab).
const (
	idMarkerPrefix = "<!-- ticketbridge-id: "
	idMarkerSuffix = " -->"
)

// IssueText is an issue body for a Markdown tracker: the description, who
// asked (by name only: such issues are often public) and the hidden line
// with the external id, which a retried creation searches for.
func IssueText(t core.TicketDraft) string {
	var b strings.Builder
	if d := strings.TrimSpace(t.Description); d != "" {
		b.WriteString(d + "\n\n")
	}
	if t.Requester.Name != "" {
		b.WriteString("Requested by " + t.Requester.Name + " in chat.\n\n")
	}
	b.WriteString(IDMarker(t.ExternalID))
	return b.String()
}

// IDMarker is the hidden line that carries an external id.
func IDMarker(externalID string) string { return idMarkerPrefix + externalID + idMarkerSuffix }

// ExternalIDOf reads the external id from the IDMarker in text.
func ExternalIDOf(text string) string {
	_, rest, ok := strings.Cut(text, idMarkerPrefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, idMarkerSuffix)
	if !ok {
		return ""
	}
	return strings.TrimSpace(id)
}
