package rules

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Notification kinds.
const (
	NotifyPropose = "propose"
	NotifyCreated = "created"
	NotifyStatus  = "status"
	NotifyComment = "comment"
	NotifyDryRun  = "dry_run"
)

// Default notification templates: English, plus a Chinese line when the
// triggering message was Chinese.
var defaultNotify = map[string]string{
	NotifyPropose: `It looks like you need help with {{.CategoryText}}. Shall I open a ticket? Reply yes or no.` +
		`{{if .Chinese}}` + "\n" + `看起来您需要{{.CategoryZH}}方面的帮助，要为您创建工单吗？请回复“是”或“否”。{{end}}`,
	NotifyCreated: `I've opened ticket {{.Ticket.Key}}{{with .Ticket.URL}} ({{.}}){{end}}. We'll keep you posted here.` +
		`{{if .Chinese}}` + "\n" + `已为您创建工单 {{.Ticket.Key}}，处理进展会在这里通知您。{{end}}`,
	NotifyStatus: `Ticket {{.Ticket.Key}} is now {{.StateText}}.` +
		`{{if .Chinese}}` + "\n" + `工单 {{.Ticket.Key}} 状态更新：{{.StateZH}}。{{end}}`,
	NotifyComment: `{{with .Comment}}{{if .Author}}{{.Author}}{{else}}Support{{end}} on {{$.Ticket.Key}}: {{.Body}}{{end}}`,
	NotifyDryRun:  `[dry run] Route {{.Route}} would open a ticket{{with .Category}} ({{.}}){{end}}{{with .Draft}}: {{.Title}}{{end}}.`,
}

// NotifyData is what a notification is about.
type NotifyData struct {
	Route string
	// Category is the decision's category, for propose and dry_run.
	Category   string
	Ticket     core.TicketRef
	State      string // chat state; derived from SinkStatus when empty
	SinkStatus string
	Comment    *core.Comment
	Draft      *core.TicketDraft
	Event      *core.StoredEvent // the triggering event, when known
}

// NotifyView is what notification templates see: the data plus words
// ready to print.
type NotifyView struct {
	NotifyData
	// Chinese is set when the triggering event's text has Chinese in it.
	Chinese bool
	// CategoryText is "a refund", "a billing issue", … or "this";
	// CategoryZH is 退款, 账单, … or 这个问题.
	CategoryText, CategoryZH string
	// StateText is "in progress", "waiting for your reply", …; StateZH
	// is its Chinese.
	StateText, StateZH string
}

var categoryWords = map[string][2]string{
	"refund":    {"a refund", "退款"},
	"return":    {"a return", "退换货"},
	"billing":   {"a billing issue", "账单扣费"},
	"fault":     {"a fault", "故障"},
	"complaint": {"a complaint", "投诉"},
	"":          {"this", "这个问题"},
}

var stateWords = map[string][2]string{
	core.StateOpen:              {"open", "待处理"},
	core.StateInProgress:        {"in progress", "处理中"},
	core.StateWaitingOnCustomer: {"waiting for your reply", "等待您的回复"},
	core.StateResolved:          {"resolved", "已解决"},
	core.StateClosed:            {"closed", "已关闭"},
}

func (c *compiler) notify(r *Route, n config.Notify) {
	sample := NotifyView{NotifyData: NotifyData{
		Route: r.Config.Name, Category: "refund", State: core.StateOpen, SinkStatus: "open",
		Ticket:  core.TicketRef{Sink: "desk", Key: "T-1", URL: "https://desk.example/T-1", Status: "open"},
		Comment: &core.Comment{Body: "sample", Public: true, Author: "Agent"},
		Draft:   &core.TicketDraft{Title: "sample"},
		Event:   &core.StoredEvent{},
	}, CategoryText: "a refund", CategoryZH: "退款", StateText: "open", StateZH: "待处理"}
	r.notify = map[string]*template.Template{}
	for kind, text := range map[string]string{
		NotifyPropose: n.Propose, NotifyCreated: n.Created, NotifyStatus: n.Status,
		NotifyComment: n.Comment, NotifyDryRun: n.DryRun,
	} {
		if t := c.tmpl("notify."+kind, text, defaultNotify[kind], sample); t != nil {
			r.notify[kind] = t
		}
	}
}

// Notify renders the route's chat message of one kind: propose, created,
// status, comment or dry_run.
func (e *Engine) Notify(route, kind string, d NotifyData) (string, error) {
	r, ok := e.set().byName[route]
	if !ok {
		return "", fmt.Errorf("unknown route %q", route)
	}
	t, ok := r.notify[kind]
	if !ok {
		return "", fmt.Errorf("unknown notification kind %q", kind)
	}
	if d.Route == "" {
		d.Route = route
	}
	if d.State == "" && d.SinkStatus != "" {
		d.State = r.chatState(d.SinkStatus)
	}
	v := NotifyView{NotifyData: d}
	v.Chinese = d.Event != nil && hasHan(d.Event.Text)
	cw, ok := categoryWords[d.Category]
	if !ok {
		cw = [2]string{d.Category, d.Category}
	}
	v.CategoryText, v.CategoryZH = cw[0], cw[1]
	sw, ok := stateWords[d.State]
	if !ok {
		sw = [2]string{strings.ReplaceAll(d.State, "_", " "), d.State}
	}
	v.StateText, v.StateZH = sw[0], sw[1]

	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return "", fmt.Errorf("render notify.%s: %w", kind, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// ChatState maps a sink's status to the chat-facing state: the route's
// status_map first (keys compared case-insensitively), then built-in names
// common across ticket systems; anything unknown is "open".
func (e *Engine) ChatState(route, sinkStatus string) string {
	if r, ok := e.set().byName[route]; ok {
		return r.chatState(sinkStatus)
	}
	return defaultChatState(sinkStatus)
}

// MappedState returns the state the route's own status_map gives a sink
// status; ok is false when the map does not name it.
func (e *Engine) MappedState(route, sinkStatus string) (string, bool) {
	r, ok := e.set().byName[route]
	if !ok {
		return "", false
	}
	s, ok := r.statuses[normStatus(sinkStatus)]
	return s, ok
}

func (r *Route) chatState(sinkStatus string) string {
	if s, ok := r.statuses[normStatus(sinkStatus)]; ok {
		return s
	}
	return defaultChatState(sinkStatus)
}

// normStatus folds case, "_" and "-" so "In_Progress", "in-progress" and
// "In Progress" are one key.
func normStatus(s string) string {
	s = strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(s))
	return strings.Join(strings.Fields(s), " ")
}

var builtinStates = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	add := func(state string, names ...string) {
		for _, n := range names {
			m[normStatus(n)] = state
		}
	}
	add(core.StateOpen, "new", "open", "opened", "reopened", "to do", "todo", "backlog", "triage",
		"submitted", "received", "unassigned", "selected for development", "ready")
	add(core.StateInProgress, "in progress", "hold", "on hold", "on-hold", "assigned", "working",
		"active", "in review", "review", "code review", "testing", "in testing", "qa", "started",
		"doing", "blocked", "escalated", "investigating", "work in progress", "wip", "feedback")
	add(core.StateWaitingOnCustomer, "pending", "waiting for customer", "waiting on customer",
		"waiting for reply", "awaiting customer", "awaiting response", "awaiting reply",
		"need info", "needs info", "more info needed", "info needed", "waiting on requester",
		"waiting for requester", "waiting on you", "pending customer")
	add(core.StateResolved, "solved", "resolved", "done", "fixed", "completed", "complete", "merged")
	add(core.StateClosed, "closed", "canceled", "cancelled", "rejected", "won't fix", "wont fix",
		"duplicate", "declined", "invalid", "archived", "not planned")
	return m
})

func defaultChatState(sinkStatus string) string {
	if s, ok := builtinStates()[normStatus(sinkStatus)]; ok {
		return s
	}
	return core.StateOpen
}
