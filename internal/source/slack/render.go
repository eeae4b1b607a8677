package slack

import "strings"

// renderText turns Slack's message markup into text a ticket can carry:
// <@U1|ann> → @ann, <@U1> → @U1, <#C1|general> → #general, <!here> →
// @here, <https://x|label> → label (https://x), and the three escaped
// characters back. A leading mention of our own bot (botID) is dropped:
// it addresses us and is not part of what was said, and it would hide a
// "/ticket" at the start of the text.
func renderText(text, botID string) string {
	if botID != "" {
		t := strings.TrimLeft(text, " ")
		for _, p := range []string{"<@" + botID + ">", "<@" + botID + "|"} {
			if !strings.HasPrefix(t, p) {
				continue
			}
			end := strings.IndexByte(t, '>')
			text = strings.TrimLeft(t[end+1:], " ")
			break
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	for {
		start := strings.IndexByte(text, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(text[start:], '>')
		if end < 0 {
			break
		}
		b.WriteString(unescape(text[:start]))
		b.WriteString(renderToken(text[start+1 : start+end]))
		text = text[start+end+1:]
	}
	b.WriteString(unescape(text))
	return b.String()
}

// renderToken renders the inside of one <…> token.
func renderToken(tok string) string {
	target, label, hasLabel := strings.Cut(tok, "|")
	label = unescape(label)
	switch {
	case strings.HasPrefix(target, "@"):
		if hasLabel && label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return target
	case strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return "#" + label
		}
		return target
	case strings.HasPrefix(target, "!"):
		if hasLabel && label != "" {
			// <!subteam^S1|@team>, <!date^…|fallback>
			return label
		}
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + name
	}
	target = unescape(target)
	if !hasLabel || label == "" {
		return strings.TrimPrefix(target, "mailto:")
	}
	if strings.TrimPrefix(target, "mailto:") == label || strings.TrimPrefix(strings.TrimPrefix(target, "https://"), "http://") == label {
		return label
	}
	return label + " (" + target + ")"
}

// unescape undoes the only escaping Slack applies to message text.
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// escape is the reverse, for text we post: Slack reads <, > and & as
// markup otherwise.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
