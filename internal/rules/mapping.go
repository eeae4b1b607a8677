package rules

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Default mapping templates. With no category the title is the message
// alone; with no text either, it names the requester.
const (
	//
	// Calls and live streams get their own shapes: a call's title is its
	// summary ("Voice call in support-7: 7m03s, 2 participants, 1
	// timeout") and its description lists the call's metadata and
	// transcript; a live stream's names the stream.
	DefaultTitle = `{{if eq (print .Event.Kind) "call_ended"}}{{firstline .Event.Text | truncate 120}}` +
		`{{else if eq (print .Event.Kind) "live_feedback"}}Live stream {{.Event.Conversation.Conversation}}: audience reports {{.Text | oneline | truncate 60}}` +
		`{{else}}{{if .Category}}{{.Category | title}}: {{end}}` +
		`{{.Text | oneline | truncate 80 | default (printf "Chat with %s" .Requester.Name)}}{{end}}`
	DefaultDescription = `Source: {{.Event.Source}}
Conversation: {{.Event.Conversation.Key}}
{{if eq (print .Event.Kind) "call_ended"}}{{with .Event.Meta}}Call: {{.call_kind | default "voice"}} call
Duration: {{seconds .duration_seconds}}
Participants: {{join ", " .uids}}
Platforms: {{kv .platforms}}
Leave reasons: {{kv .leave_reasons}}
{{with .transcript}}
Transcript:
{{.}}
{{end}}{{end}}{{else}}Requester: {{.Requester.Name}}{{with .Requester.Email}} <{{.}}>{{end}}{{with .Requester.ID}} ({{.}}){{end}}
{{with .Category}}Category: {{.}}
{{end}}{{with .Decision.Rule}}Rule: {{.}}
{{end}}
{{transcript .Messages}}{{end}}`
	DefaultRequesterName  = `{{.Requester.Name}}`
	DefaultRequesterEmail = `{{.Requester.Email}}`
)

// MapInput is what Draft turns into a ticket.
type MapInput struct {
	Event core.StoredEvent // the triggering event
	// Context is earlier messages of the conversation, oldest first; it
	// may include Event.
	Context    []core.StoredEvent
	Decision   Decision
	ExternalID string
}

// MapData is what mapping templates see.
type MapData struct {
	Route   string
	Event   core.StoredEvent
	Context []core.StoredEvent
	// Messages is the transcript the description shows: the last
	// context_messages messages, ending with Event.
	Messages []core.StoredEvent
	Decision Decision
	Category string
	// Text is the event's text without a leading "/ticket" command.
	Text string
	// Requester is the sender as a requester (name falls back to the id).
	Requester  core.Requester
	ExternalID string
}

// funcs are the template functions. Those taking a value take it last, so
// they work in pipelines: {{.Text | truncate 80}}.
func funcs() template.FuncMap {
	return template.FuncMap{
		"truncate":   truncate,
		"lower":      strings.ToLower,
		"upper":      strings.ToUpper,
		"title":      titleCase,
		"join":       join,
		"default":    dflt,
		"quote":      func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"transcript": transcript,
		"oneline":    func(s string) string { return strings.Join(strings.Fields(s), " ") },
		"firstline":  func(s string) string { first, _, _ := strings.Cut(strings.TrimSpace(s), "\n"); return first },
		"seconds":    seconds,
		"kv":         kv,
	}
}

// seconds renders a number of seconds (as metadata carries it) as a
// duration: 423 → "7m3s".
func seconds(v any) string {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	default:
		return "unknown"
	}
	return (time.Duration(f) * time.Second).String()
}

// kv renders a map as "a 2, b 1", sorted by key; anything else as is.
func kv(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return "none"
		}
		return fmt.Sprint(v)
	}
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %v", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// truncate cuts s to at most n characters (not bytes), ending in "…" when
// it cut.
func truncate(n int, s string) string {
	r := []rune(s)
	if n <= 0 {
		return ""
	}
	if len(r) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

func titleCase(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		r := []rune(w)
		if len(r) > 0 {
			words[i] = strings.ToUpper(string(r[0])) + string(r[1:])
		}
	}
	return strings.Join(words, " ")
}

func join(sep string, v any) (string, error) {
	switch l := v.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case []any:
		s := make([]string, len(l))
		for i, x := range l {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, sep), nil
	case string:
		return l, nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("join: cannot join %T", v)
}

// dflt returns def when v is empty (nil, "", 0, false or an empty list).
func dflt(def, v any) any {
	switch x := v.(type) {
	case nil:
		return def
	case string:
		if strings.TrimSpace(x) == "" {
			return def
		}
	case int:
		if x == 0 {
			return def
		}
	case bool:
		if !x {
			return def
		}
	case []string:
		if len(x) == 0 {
			return def
		}
	case []any:
		if len(x) == 0 {
			return def
		}
	}
	return v
}

// transcript renders messages as "[15:04] Name: text" lines (UTC, since
// rules cannot know the team's time zone); continuation lines of a
// message are indented and attachments are named.
func transcript(events []core.StoredEvent) string {
	var b strings.Builder
	for _, ev := range events {
		name := ev.Sender.Name
		if name == "" {
			name = ev.Sender.ID
		}
		text := strings.ReplaceAll(strings.TrimSpace(ev.Text), "\n", "\n    ")
		for _, a := range ev.Attachments {
			if text != "" {
				text += " "
			}
			text += "[attachment: " + dflt(a.ID, a.Name).(string) + "]"
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", ev.Time.UTC().Format("15:04"), name, text)
	}
	return b.String()
}

// templateError drops text/template's "template: NAME:" prefix, which
// repeats the field path the problem already names.
func templateError(name string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "template: ")
	if rest, ok := strings.CutPrefix(msg, name+":"); ok {
		return "template line " + rest
	}
	return msg
}

func (c *compiler) tmpl(field, text, fallback string, sample any) *template.Template {
	if text == "" {
		text = fallback
	}
	name := c.path + "." + field
	t, err := template.New(name).Funcs(funcs()).Parse(text)
	if err != nil {
		c.fail(field, templateError(name, err))
		return nil
	}
	// A trial run on sample data catches misspelt fields now rather than
	// when the first customer writes.
	if err := t.Execute(&bytes.Buffer{}, sample); err != nil {
		c.fail(field, templateError(name, err))
		return nil
	}
	return t
}

func (c *compiler) mapping(r *Route, m config.Mapping) {
	sample := sampleMapData(r.Config.Name)
	r.title = c.tmpl("mapping.title", m.Title, DefaultTitle, sample)
	r.description = c.tmpl("mapping.description", m.Description, DefaultDescription, sample)
	r.reqName = c.tmpl("mapping.requester.name", m.Requester.Name, DefaultRequesterName, sample)
	r.reqEmail = c.tmpl("mapping.requester.email", m.Requester.Email, DefaultRequesterEmail, sample)
	for i, l := range m.Labels {
		field := fmt.Sprintf("mapping.labels[%d]", i)
		if strings.TrimSpace(l) == "" {
			c.fail(field, "must not be empty")
			continue
		}
		r.labels = append(r.labels, c.tmpl(field, l, "", sample))
	}
	r.custom = make(map[string]*template.Template, len(m.Custom))
	for k, v := range m.Custom {
		r.custom[k] = c.tmpl("mapping.custom."+k, v, "", sample)
	}
	if m.ContextMessages > 0 {
		r.context = m.ContextMessages
	} else if m.ContextMessages < 0 {
		c.fail("mapping.context_messages", "must not be negative")
	}
	if m.Priority.Default != "" {
		r.prioDef = m.Priority.Default
	}
	for i, pr := range m.Priority.Rules {
		field := fmt.Sprintf("mapping.priority.rules[%d]", i)
		if pr.Priority == "" {
			c.fail(field+".priority", "must not be empty")
		}
		if len(pr.Keywords) == 0 && pr.Category == "" {
			c.fail(field, "needs keywords or a category")
		}
		r.priority = append(r.priority, priorityRule{
			keywords: c.matchers(field+".keywords", pr.Keywords),
			category: pr.Category,
			priority: pr.Priority,
		})
	}
}

func sampleMapData(route string) MapData {
	ev := core.StoredEvent{ID: 1, Event: core.Event{
		Source: "chat", EventID: "e1", Kind: core.KindMessage,
		Conversation: core.ConversationRef{Source: "chat", Conversation: "c1"},
		Sender:       core.Sender{ID: "u1", Name: "Sample", Email: "sample@example.com", Role: core.RoleCustomer},
		Time:         time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC),
		Text:         "sample message",
	}}
	return MapData{Route: route, Event: ev, Context: []core.StoredEvent{ev}, Messages: []core.StoredEvent{ev},
		Decision: Decision{Route: route, Rule: "pack:refund", Kind: KindCreate, Category: "refund"},
		Category: "refund", Text: ev.Text, Requester: core.Requester{ID: "u1", Name: "Sample", Email: "sample@example.com"},
		ExternalID: "tb-1"}
}

// Draft turns an event and its conversation into a ticket draft using the
// route's mapping.
func (e *Engine) Draft(route string, in MapInput) (core.TicketDraft, error) {
	r, ok := e.set().byName[route]
	if !ok {
		return core.TicketDraft{}, fmt.Errorf("unknown route %q", route)
	}
	data := r.mapData(in)
	var err error
	render := func(t *template.Template) string {
		if err != nil || t == nil {
			return ""
		}
		var b bytes.Buffer
		if xerr := t.Execute(&b, data); xerr != nil {
			err = fmt.Errorf("render %s: %w", t.Name(), xerr)
		}
		return b.String()
	}

	d := core.TicketDraft{
		ExternalID:  in.ExternalID,
		Title:       strings.Join(strings.Fields(render(r.title)), " "),
		Description: strings.TrimRight(render(r.description), "\n") + "\n",
		Priority:    r.priorityFor(data),
		Requester: core.Requester{
			ID:    in.Event.Sender.ID,
			Name:  strings.TrimSpace(render(r.reqName)),
			Email: strings.TrimSpace(render(r.reqEmail)),
		},
	}
	if len(r.labels) == 0 {
		d.Labels = []string{"ticketbridge"}
		if data.Category != "" {
			d.Labels = append(d.Labels, data.Category)
		}
	}
	seen := map[string]bool{}
	for _, t := range r.labels {
		l := strings.TrimSpace(render(t))
		if l != "" && !seen[l] {
			seen[l] = true
			d.Labels = append(d.Labels, l)
		}
	}
	if len(r.custom) > 0 {
		d.Custom = make(map[string]any, len(r.custom))
		for k, t := range r.custom {
			d.Custom[k] = render(t)
		}
	}
	if err != nil {
		return core.TicketDraft{}, err
	}
	return d, nil
}

func (r *Route) mapData(in MapInput) MapData {
	name := in.Event.Sender.Name
	if name == "" {
		name = in.Event.Sender.ID
	}
	text := in.Event.Text
	if args := commandArgs(text, r.command); args != nil {
		text = *args
	}
	return MapData{
		Route: r.Config.Name, Event: in.Event, Context: in.Context,
		Messages: lastMessages(in.Event, in.Context, r.context),
		Decision: in.Decision, Category: in.Decision.Category, Text: text,
		Requester:  core.Requester{ID: in.Event.Sender.ID, Name: name, Email: in.Event.Sender.Email},
		ExternalID: in.ExternalID,
	}
}

// lastMessages is the context's message events up to and including the
// triggering event, the last n of them. Reactions and other non-text
// events are left out of a transcript.
func lastMessages(ev core.StoredEvent, ctx []core.StoredEvent, n int) []core.StoredEvent {
	var msgs []core.StoredEvent
	found := false
	for _, c := range ctx {
		same := (c.ID != 0 && c.ID == ev.ID) || (c.EventID != "" && c.EventID == ev.EventID && c.Source == ev.Source)
		if same {
			found = true
		}
		if same || carriesText(c.Event) {
			msgs = append(msgs, c)
		}
		if same {
			break // anything after the trigger is not its context
		}
	}
	if !found {
		msgs = append(msgs, ev)
	}
	if len(msgs) > n {
		msgs = msgs[len(msgs)-n:]
	}
	return msgs
}

func (r *Route) priorityFor(data MapData) string {
	norm := normalize(data.Event.Text)
	for _, pr := range r.priority {
		if pr.category != "" && pr.category == data.Category {
			return pr.priority
		}
		if _, ok := firstMatch(pr.keywords, norm); ok {
			return pr.priority
		}
	}
	return r.prioDef
}
