package feishu

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// mentionNames maps a message's mention keys ("@_user_1") to "@Name".
func mentionNames(ms []mention) map[string]string {
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		if m.Key != "" && m.Name != "" {
			out[m.Key] = "@" + m.Name
		}
	}
	return out
}

// replaceMentions renders the placeholders of a text message readably.
// Longer keys go first so "@_user_10" is not read as "@_user_1" + "0".
func replaceMentions(text string, names map[string]string) string {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	pairs := make([]string, 0, 2*len(keys)+2)
	for _, k := range keys {
		pairs = append(pairs, k, names[k])
	}
	pairs = append(pairs, "@_all", "@all")
	return strings.NewReplacer(pairs...).Replace(text)
}

// render turns a message's content (a JSON document in a string) into
// text and attachments. ok is false for kinds ticketbridge does not read
// (stickers, cards, shared chats…) and for unreadable content.
func (s *Source) render(msgType, content, messageID string, names map[string]string) (string, []core.Attachment, bool) {
	var c struct {
		Text     string          `json:"text"`
		ImageKey string          `json:"image_key"`
		FileKey  string          `json:"file_key"`
		FileName string          `json:"file_name"`
		Title    string          `json:"title"`
		Content  json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return "", nil, false
	}
	switch msgType {
	case "text":
		text := replaceMentions(commandFirst(c.Text, names), names)
		return text, nil, strings.TrimSpace(text) != ""
	case "image":
		if c.ImageKey == "" {
			return "", nil, false
		}
		return "", []core.Attachment{s.attachment(messageID, c.ImageKey, "", "image")}, true
	case "file", "audio", "media":
		if c.FileKey == "" {
			return "", nil, false
		}
		return "", []core.Attachment{s.attachment(messageID, c.FileKey, c.FileName, "file")}, true
	case "post":
		return s.renderPost([]byte(content), messageID, names)
	}
	return "", nil, false
}

type postElement struct {
	Tag      string `json:"tag"`
	Text     string `json:"text"`
	Href     string `json:"href"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name"`
	ImageKey string `json:"image_key"`
	FileKey  string `json:"file_key"`
	Emoji    string `json:"emoji_type"`
}

type postBody struct {
	Title   string          `json:"title"`
	Content [][]postElement `json:"content"`
}

// renderPost flattens rich text: the title, then one line per paragraph;
// links keep their address, images and media become attachments. A post
// comes either bare or wrapped in a language ({"zh_cn": {...}}).
func (s *Source) renderPost(content []byte, messageID string, names map[string]string) (string, []core.Attachment, bool) {
	var p postBody
	if err := json.Unmarshal(content, &p); err != nil {
		return "", nil, false
	}
	if p.Title == "" && len(p.Content) == 0 {
		var byLang map[string]json.RawMessage
		if json.Unmarshal(content, &byLang) != nil {
			return "", nil, false
		}
		langs := make([]string, 0, len(byLang))
		for l := range byLang {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			if json.Unmarshal(byLang[l], &p) == nil && (p.Title != "" || len(p.Content) > 0) {
				break
			}
		}
	}
	var lines []string
	if p.Title != "" {
		lines = append(lines, p.Title)
	}
	var atts []core.Attachment
	for _, para := range p.Content {
		var b strings.Builder
		for _, e := range para {
			switch e.Tag {
			case "text", "md", "code_block":
				b.WriteString(e.Text)
			case "a":
				b.WriteString(e.Text)
				if e.Href != "" && e.Href != e.Text {
					b.WriteString(" (" + e.Href + ")")
				}
			case "at":
				switch {
				case names[e.UserID] != "":
					b.WriteString(names[e.UserID])
				case e.UserName != "":
					b.WriteString("@" + e.UserName)
				case e.UserID == "all" || e.UserID == "@_all":
					b.WriteString("@all")
				}
			case "emotion":
				b.WriteString(":" + e.Emoji + ":")
			case "img":
				if e.ImageKey != "" {
					atts = append(atts, s.attachment(messageID, e.ImageKey, "", "image"))
				}
			case "media":
				if e.FileKey != "" {
					atts = append(atts, s.attachment(messageID, e.FileKey, "", "file"))
				}
			}
		}
		if line := strings.TrimRight(b.String(), " "); line != "" {
			lines = append(lines, line)
		}
	}
	text := strings.Join(lines, "\n")
	return text, atts, strings.TrimSpace(text) != "" || len(atts) > 0
}

// attachment references a message resource; its URL is the download API
// on our own API host, the only host FetchAttachment sends the token to.
func (s *Source) attachment(messageID, key, name, typ string) core.Attachment {
	u := s.api + "/open-apis/im/v1/messages/" + url.PathEscape(messageID) +
		"/resources/" + url.PathEscape(key) + "?type=" + typ
	return core.Attachment{ID: key, Name: name, URL: u}
}

// commandFirst drops the mentions in front of a slash command: in a group
// a message reaches the bot only when it @mentions it, so "@Bot /ticket
// x" is how a command is typed there, and the rules look for the command
// at the start of the text.
func commandFirst(text string, names map[string]string) string {
	rest := strings.TrimLeft(text, " \t")
	for {
		key, after, _ := strings.Cut(rest, " ")
		if _, ok := names[key]; !ok && key != "@_all" {
			break
		}
		rest = strings.TrimLeft(after, " \t")
	}
	if rest != text && strings.HasPrefix(rest, "/") {
		return rest
	}
	return text
}
