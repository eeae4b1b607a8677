package jira

import (
	"encoding/json"
	"strings"
)

// Doc turns plain text into an ADF document: one paragraph per non-blank
// line. ADF forbids empty text nodes, so blank lines are dropped (the
// paragraphs already separate the lines).
func Doc(text string) ADF {
	doc := ADF{Type: "doc", Version: 1, Content: []ADF{}}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, "\r \t")
		if strings.TrimSpace(line) == "" {
			continue
		}
		doc.Content = append(doc.Content, ADF{Type: "paragraph", Content: []ADF{{Type: "text", Text: line}}})
	}
	return doc
}

// PlainText flattens ADF back into text: block nodes end a line, hard
// breaks too, and mentions or emoji keep their visible text.
func PlainText(n ADF) string {
	var b strings.Builder
	writeText(&b, n, 0)
	return strings.TrimSpace(b.String())
}

// maxDepth stops hostile, deeply nested documents from recursing forever.
const maxDepth = 64

func writeText(b *strings.Builder, n ADF, depth int) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case "text":
		b.WriteString(n.Text)
	case "hardBreak":
		b.WriteByte('\n')
	case "mention", "emoji", "status", "date", "inlineCard":
		if t, ok := n.Attrs["text"].(string); ok {
			b.WriteString(t)
		} else if u, ok := n.Attrs["url"].(string); ok {
			b.WriteString(u)
		}
	}
	for _, c := range n.Content {
		writeText(b, c, depth+1)
	}
	switch n.Type {
	case "paragraph", "heading", "listItem", "codeBlock", "blockquote", "rule", "tableRow":
		if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
}

// bodyText reads a comment body that is ADF (REST v3) or a plain string
// (older webhook deliveries, wiki markup).
func bodyText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n ADF
	if json.Unmarshal(raw, &n) == nil {
		return PlainText(n)
	}
	return ""
}
