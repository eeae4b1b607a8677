package rules

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		mod   func(*config.Route)
		field string
		msg   string
	}{
		"title syntax":       {func(r *config.Route) { r.Mapping.Title = "{{.Category" }, "routes[0].mapping.title", "unclosed action"},
		"unknown function":   {func(r *config.Route) { r.Mapping.Description = "{{shout .Text}}" }, "routes[0].mapping.description", `function "shout" not defined`},
		"misspelt field":     {func(r *config.Route) { r.Mapping.Title = "{{.Catgory}}" }, "routes[0].mapping.title", "can't evaluate field Catgory"},
		"label template":     {func(r *config.Route) { r.Mapping.Labels = []string{"ok", "{{end}}"} }, "routes[0].mapping.labels[1]", "unexpected {{end}}"},
		"custom template":    {func(r *config.Route) { r.Mapping.Custom = map[string]string{"team": "{{.Nope}}"} }, "routes[0].mapping.custom.team", "can't evaluate field Nope"},
		"requester":          {func(r *config.Route) { r.Mapping.Requester.Email = "{{" }, "routes[0].mapping.requester.email", "unclosed action"},
		"notify template":    {func(r *config.Route) { r.Notify.Created = "{{.Ticket.Nope}}" }, "routes[0].notify.created", "can't evaluate field Nope"},
		"rule pack":          {func(r *config.Route) { r.Trigger.RulePack = "fancy" }, "routes[0].trigger.rule_pack", `unknown rule pack "fancy"`},
		"empty keyword":      {func(r *config.Route) { r.Trigger.Keywords = []string{"a", " "} }, "routes[0].trigger.keywords[1]", "must not be empty"},
		"role":               {func(r *config.Route) { r.Trigger.Roles = []string{"bot"} }, "routes[0].trigger.roles[0]", `unknown role "bot"`},
		"mode":               {func(r *config.Route) { r.Mode = "shadow" }, "routes[0].mode", `unknown mode "shadow"`},
		"rollout":            {func(r *config.Route) { r.Rollout = intp(150) }, "routes[0].rollout", "between 0 and 100"},
		"status map":         {func(r *config.Route) { r.StatusMap = map[string]string{"Done": "finished"} }, "routes[0].status_map.Done", `unknown chat state "finished"`},
		"priority rule":      {func(r *config.Route) { r.Mapping.Priority.Rules = []config.PriorityRule{{Priority: "high"}} }, "routes[0].mapping.priority.rules[0]", "needs keywords or a category"},
		"command with a gap": {func(r *config.Route) { r.Trigger.Command = "open ticket" }, "routes[0].trigger.command", "not a single word"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, errs := Compile([]config.Route{route("r", tc.mod)})
			if e != nil {
				t.Error("engine returned despite errors")
			}
			if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Message, tc.msg) {
				t.Errorf("got %v, want one error at %s containing %q", errs, tc.field, tc.msg)
			}
		})
	}

	_, errs := Compile([]config.Route{route("a", nil), route("a", nil), route("", nil)})
	want := []FieldError{{"routes[1].name", `duplicate route name "a"`}, {"routes[2].name", "must not be empty"}}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("names: got %v, want %v", errs, want)
	}
}

func storedMsg(id int64, min int, name string, role core.Role, text string) core.StoredEvent {
	ev := msg(text)
	ev.EventID = "m" + string(rune('0'+id))
	ev.Sender = core.Sender{ID: strings.ToLower(name), Name: name, Role: role}
	ev.Time = t0.Add(time.Duration(min) * time.Minute)
	return core.StoredEvent{ID: id, Event: ev}
}

func TestDraftDefaults(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) {
		r.Trigger.RulePack = "default"
		r.Mapping.ContextMessages = 3
		r.Mapping.Priority.Rules = []config.PriorityRule{
			{Keywords: []string{"urgent", "紧急"}, Priority: "urgent"},
			{Category: "billing", Priority: "high"},
		}
	}))
	ctx := []core.StoredEvent{
		storedMsg(1, 0, "Ann", core.RoleCustomer, "hi"),
		storedMsg(2, 1, "Bob", core.RoleAgent, "Hello Ann, how can I help?"),
		storedMsg(3, 2, "Ann", core.RoleCustomer, "I ordered a lamp\nlast week"),
		storedMsg(4, 3, "Ann", core.RoleCustomer, "I was charged twice for the same order, it is a really long story about a lamp and a card"),
	}
	ctx[3].Sender.Email = "ann@example.com"
	ctx[2].Attachments = []core.Attachment{{ID: "f1", Name: "receipt.png"}}
	later := storedMsg(5, 9, "Ann", core.RoleCustomer, "after the trigger")
	in := MapInput{Event: ctx[3], Context: append(ctx, later), ExternalID: "tb-r-chat/c1",
		Decision: Decision{Route: "r", Rule: "pack:billing", Kind: KindCreate, Category: "billing"}}
	d, err := e.Draft("r", in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Billing: I was charged twice for the same order, it is a really long story about a lamp…"; d.Title != want {
		t.Errorf("title %q, want %q", d.Title, want)
	}
	if d.Priority != "high" || d.ExternalID != "tb-r-chat/c1" {
		t.Errorf("priority %q external id %q", d.Priority, d.ExternalID)
	}
	if want := (core.Requester{ID: "ann", Name: "Ann", Email: "ann@example.com"}); d.Requester != want {
		t.Errorf("requester %+v, want %+v", d.Requester, want)
	}
	if !reflect.DeepEqual(d.Labels, []string{"ticketbridge", "billing"}) || d.Custom != nil {
		t.Errorf("labels %v custom %v", d.Labels, d.Custom)
	}
	golden(t, "draft_description.golden", d.Description)

	// Keywords outrank the category rule placed after them; a command's
	// text loses its "/ticket" in the title; no category, no prefix.
	in.Event = storedMsg(6, 10, "Ann", core.RoleCustomer, "/ticket URGENT: printer on fire")
	in.Decision = Decision{Rule: RuleCommand, Kind: KindCreate}
	d, err = e.Draft("r", in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "URGENT: printer on fire" || d.Priority != "urgent" || !reflect.DeepEqual(d.Labels, []string{"ticketbridge"}) {
		t.Errorf("command draft: %+v", d)
	}
	in.Event = storedMsg(7, 10, "", core.RoleCustomer, "")
	in.Event.Sender.ID = "u42"
	if d, _ = e.Draft("r", in); d.Title != "Chat with u42" || d.Priority != "normal" {
		t.Errorf("empty text draft: title %q priority %q", d.Title, d.Priority)
	}
	if _, err := e.Draft("nope", in); err == nil {
		t.Error("unknown route: no error")
	}
}

func TestDraftTemplates(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) {
		r.Mapping.Title = `[{{.Route | upper}}] {{.Text | truncate 10 | quote}}`
		r.Mapping.Description = `{{.Event.Sender.Name | lower}} said {{.Text | default "nothing"}}; labels {{join "," .Event.Meta.tags}}`
		r.Mapping.Requester = config.RequesterMapping{Name: `{{.Requester.Name | title}} (chat)`, Email: `{{.Event.Sender.ID}}@chat.example`}
		r.Mapping.Labels = []string{"chat", "{{.Category | default \"general\"}}", "chat", "{{if .Category}}x{{end}}"}
		r.Mapping.Custom = map[string]string{"channel": "{{.Event.Conversation.Conversation}}"}
	}))
	ev := storedMsg(1, 0, "ann lee", core.RoleCustomer, "the printer is on fire")
	ev.Meta = map[string]any{"tags": []any{"vip", 3}}
	d, err := e.Draft("r", MapInput{Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	want := core.TicketDraft{
		Title:       `[R] "the print…"`,
		Description: "ann lee said the printer is on fire; labels vip,3\n",
		Priority:    "normal",
		Requester:   core.Requester{ID: "ann lee", Name: "Ann Lee (chat)", Email: "ann lee@chat.example"},
		Labels:      []string{"chat", "general"},
		Custom:      map[string]any{"channel": "c1"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}
}

func TestTemplateFuncs(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ got, want string }{
		"truncate short": {truncate(5, "abc"), "abc"},
		"truncate runes": {truncate(3, "退款还没到"), "退款…"},
		"truncate zero":  {truncate(0, "abc"), ""},
		"title":          {titleCase("billing issue"), "Billing Issue"},
		"default empty":  {dflt("x", " ").(string), "x"},
		"default set":    {dflt("x", "y").(string), "y"},
	}
	for name, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", name, tc.got, tc.want)
		}
	}
	if _, err := join(",", 5); err == nil {
		t.Error("join of an int: no error")
	}
}
