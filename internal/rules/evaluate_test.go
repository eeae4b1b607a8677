package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

var t0 = time.Date(2024, 5, 6, 9, 30, 0, 0, time.UTC)

func intp(i int) *int { return &i }

// route builds a defaulted route as the config loader would.
func route(name string, mod func(*config.Route)) config.Route {
	r := config.Route{
		Name: name, Sources: []string{"chat"}, Sink: "desk", Mode: ModeLive, Rollout: intp(100),
		Trigger: config.Trigger{ConfirmTimeout: 10 * time.Minute, Command: "ticket", Roles: []string{"customer"}},
		Mapping: config.Mapping{ContextMessages: 10, Priority: config.Priority{Default: "normal"}},
	}
	if mod != nil {
		mod(&r)
	}
	return r
}

func mustCompile(t testing.TB, routes ...config.Route) *Engine {
	t.Helper()
	e, errs := Compile(routes)
	if len(errs) > 0 {
		t.Fatalf("compile: %v", errs)
	}
	return e
}

func msg(text string) core.Event {
	return core.Event{Source: "chat", EventID: "e1", Kind: core.KindMessage,
		Conversation: core.ConversationRef{Source: "chat", Conversation: "c1"},
		Sender:       core.Sender{ID: "u1", Name: "Ann", Role: core.RoleCustomer}, Time: t0, Text: text}
}

func withRole(ev core.Event, r core.Role) core.Event { ev.Sender.Role = r; return ev }

func button(action string) core.Event {
	ev := msg("")
	ev.Kind, ev.Command, ev.Action = core.KindCommand, "ticket", action
	return ev
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	pack := func(r *config.Route) { r.Trigger.RulePack = "default" }
	confirm := func(r *config.Route) { r.Trigger.RulePack = "default"; r.Trigger.Confirm = true }
	keywords := func(r *config.Route) {
		r.Trigger.Keywords = []string{"refund", "退款", "money back"}
		r.Trigger.Negations = []string{"just asking"}
	}
	pending := State{Now: t0, Proposals: map[string]ProposalState{"r": {Rule: "pack:refund", Category: "refund", ExpiresAt: t0.Add(time.Minute)}}}
	expired := State{Now: t0, Proposals: map[string]ProposalState{"r": {Rule: "pack:refund", Category: "refund", ExpiresAt: t0.Add(-time.Second)}}}
	linked := State{Now: t0, Links: map[string]LinkState{"r": {TicketKey: "T-9", State: "open"}}}
	closedLink := State{Now: t0, Links: map[string]LinkState{"r": {TicketKey: "T-9", State: core.StateClosed}}}
	cmdEvent := msg("")
	cmdEvent.Kind, cmdEvent.Command = core.KindCommand, "ticket"
	reaction := msg("👍")
	reaction.Kind = core.KindReaction
	ticketReaction := msg("")
	ticketReaction.Kind, ticketReaction.Meta = core.KindReaction, map[string]any{"reaction": "ticket", "target": "171.2"}
	reacts := func(r *config.Route) { r.Trigger.Reaction = ":ticket:" }
	markedReaction := msg("")
	markedReaction.Kind, markedReaction.Meta = core.KindReaction, map[string]any{"reaction": "ticket", "ticket_reaction": true}

	tests := map[string]struct {
		mod  func(*config.Route)
		ev   core.Event
		st   State
		want Decision
	}{
		"bot ignored":                   {pack, withRole(msg("I was charged twice"), core.RoleBot), State{}, Decision{Kind: KindNone, Reason: "bot"}},
		"pack creates":                  {pack, msg("I was charged twice for the same order"), State{}, Decision{Kind: KindCreate, Rule: "pack:billing", Category: "billing", Reason: "matched charged twice"}},
		"pack proposes":                 {confirm, msg("钱还没退给我"), State{}, Decision{Kind: KindPropose, Rule: "pack:refund", Category: "refund", Reason: "matched 钱还没退"}},
		"pack no match":                 {pack, msg("hello there"), State{}, Decision{Kind: KindNone, Reason: "no match"}},
		"pack negated":                  {pack, msg("no need to refund"), State{}, Decision{Kind: KindNone, Reason: GuardNegated}},
		"pack thanks":                   {pack, msg("谢谢，已经退款了"), State{}, Decision{Kind: KindNone, Reason: GuardResolved}},
		"text command":                  {nil, msg("/ticket printer on fire"), State{}, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/ticket command"}},
		"text command mixed case":       {nil, msg("/Ticket@helpbot printer"), State{}, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/ticket command"}},
		"other slash word":              {nil, msg("/tickets"), State{}, Decision{Kind: KindNone, Reason: "no match"}},
		"command event":                 {nil, cmdEvent, State{}, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/ticket command"}},
		"custom command":                {func(r *config.Route) { r.Trigger.Command = "/help" }, msg("/help now"), State{}, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/help command"}},
		"command already linked":        {nil, msg("/ticket again"), linked, Decision{Kind: KindNone, Rule: RuleCommand, Reason: "already linked"}},
		"command by agent":              {nil, withRole(msg("/ticket for her"), core.RoleAgent), State{}, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/ticket command"}},
		"follow-up customer":            {pack, msg("any news?"), linked, Decision{Kind: KindAppend, Rule: RuleFollowUp, Reason: "linked to T-9"}},
		"follow-up agent":               {pack, withRole(msg("looking into it"), core.RoleAgent), linked, Decision{Kind: KindAppend, Rule: RuleFollowUp, Reason: "linked to T-9"}},
		"follow-up bot":                 {pack, withRole(msg("status: open"), core.RoleBot), linked, Decision{Kind: KindNone, Reason: "bot"}},
		"closed link is no link":        {pack, msg("I was charged twice"), closedLink, Decision{Kind: KindCreate, Rule: "pack:billing", Category: "billing", Reason: "matched charged twice"}},
		"reaction not appended":         {pack, reaction, linked, Decision{Kind: KindNone, Reason: "reaction event"}},
		"ticket reaction creates":       {reacts, ticketReaction, State{}, Decision{Kind: KindCreate, Rule: RuleReaction, Reason: ":ticket: reaction"}},
		"ticket reaction linked":        {reacts, ticketReaction, linked, Decision{Kind: KindNone, Rule: RuleReaction, Reason: "already linked"}},
		"other reaction ignored":        {reacts, reaction, State{}, Decision{Kind: KindNone, Reason: "reaction event"}},
		"reaction not configured":       {nil, ticketReaction, State{}, Decision{Kind: KindNone, Reason: "reaction event"}},
		"reaction marked by the source": {nil, markedReaction, State{}, Decision{Kind: KindCreate, Rule: RuleReaction, Reason: ":ticket: reaction"}},
		"close command":                 {nil, msg("/ticket close"), linked, Decision{Kind: KindClose, Rule: RuleCommand, Reason: "/ticket close"}},
		"close in chinese":              {nil, msg("/ticket 关闭"), linked, Decision{Kind: KindClose, Rule: RuleCommand, Reason: "/ticket close"}},
		"close without a ticket":        {nil, msg("/ticket close"), State{}, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/ticket command"}},
		"agent not in roles":            {pack, withRole(msg("I was charged twice"), core.RoleAgent), State{}, Decision{Kind: KindNone, Reason: "role agent not in trigger roles"}},
		"empty role is customer":        {pack, withRole(msg("I was charged twice"), ""), State{}, Decision{Kind: KindCreate, Rule: "pack:billing", Category: "billing", Reason: "matched charged twice"}},
		"agent in roles": {func(r *config.Route) { pack(r); r.Trigger.Roles = []string{"customer", "agent"} },
			withRole(msg("I was charged twice"), core.RoleAgent), State{}, Decision{Kind: KindCreate, Rule: "pack:billing", Category: "billing", Reason: "matched charged twice"}},
		"keyword inflected":   {keywords, msg("Was it Refunded?"), State{}, Decision{Kind: KindCreate, Rule: RuleKeyword, Reason: `keyword "refund"`}},
		"keyword not a part":  {keywords, msg("is this refundable"), State{}, Decision{Kind: KindNone, Reason: "no match"}},
		"keyword cjk":         {keywords, msg("请帮我退款"), State{}, Decision{Kind: KindCreate, Rule: RuleKeyword, Reason: `keyword "退款"`}},
		"keyword phrase":      {keywords, msg("I want my MONEY  back!"), State{}, Decision{Kind: KindCreate, Rule: RuleKeyword, Reason: `keyword "money back"`}},
		"keyword negation":    {keywords, msg("refund? just asking"), State{}, Decision{Kind: KindNone, Rule: RuleKeyword, Reason: GuardNegated}},
		"keyword builtin neg": {keywords, msg("不用退款了"), State{}, Decision{Kind: KindNone, Rule: RuleKeyword, Reason: GuardNegated}},
		"keyword thanks":      {keywords, msg("thanks, the refund arrived"), State{}, Decision{Kind: KindNone, Rule: RuleKeyword, Reason: GuardResolved}},
		"keyword with pack category": {func(r *config.Route) { keywords(r); pack(r) }, msg("I want a refund now"), State{},
			Decision{Kind: KindCreate, Rule: RuleKeyword, Category: "refund", Reason: `keyword "refund"`}},
		"keyword proposes": {func(r *config.Route) { keywords(r); r.Trigger.Confirm = true }, msg("refund please"), State{},
			Decision{Kind: KindPropose, Rule: RuleKeyword, Reason: `keyword "refund"`}},

		"yes accepts":                 {confirm, msg("Yes!"), pending, Decision{Kind: KindCreate, Rule: "pack:refund", Category: "refund", Proposal: ProposalAccepted, Reason: "confirmed"}},
		"好的 accepts":                  {confirm, msg("好的，谢谢"), pending, Decision{Kind: KindCreate, Rule: "pack:refund", Category: "refund", Proposal: ProposalAccepted, Reason: "confirmed"}},
		"1 accepts":                   {confirm, msg(" 1 "), pending, Decision{Kind: KindCreate, Rule: "pack:refund", Category: "refund", Proposal: ProposalAccepted, Reason: "confirmed"}},
		"button confirm":              {confirm, button(core.ActionConfirm), pending, Decision{Kind: KindCreate, Rule: "pack:refund", Category: "refund", Proposal: ProposalAccepted, Reason: "confirmed"}},
		"no rejects":                  {confirm, msg("no thanks"), pending, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Proposal: ProposalRejected, Reason: "declined"}},
		"算了 rejects":                  {confirm, msg("算了"), pending, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Proposal: ProposalRejected, Reason: "declined"}},
		"button reject":               {confirm, button(core.ActionReject), pending, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Proposal: ProposalRejected, Reason: "declined"}},
		"yes after expiry":            {confirm, msg("yes"), expired, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Proposal: ProposalExpired, Reason: "proposal expired"}},
		"button after expiry":         {confirm, button(core.ActionConfirm), expired, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Proposal: ProposalExpired, Reason: "proposal expired"}},
		"no after expiry":             {confirm, msg("no"), expired, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Proposal: ProposalExpired, Reason: "proposal expired"}},
		"never propose twice":         {confirm, msg("where is my refund"), pending, Decision{Kind: KindNone, Rule: "pack:refund", Category: "refund", Reason: "proposal pending"}},
		"expired may propose":         {confirm, msg("where is my refund"), expired, Decision{Kind: KindPropose, Rule: "pack:refund", Category: "refund", Reason: "matched waiting for refund"}},
		"command while pending":       {confirm, msg("/ticket"), pending, Decision{Kind: KindCreate, Rule: RuleCommand, Reason: "/ticket command"}},
		"other text while pending":    {confirm, msg("hmm let me think"), pending, Decision{Kind: KindNone, Reason: "no match"}},
		"long no is not a no":         {confirm, msg("no, it still does not work"), pending, Decision{Kind: KindNone, Rule: "pack:fault", Category: "fault", Reason: "proposal pending"}},
		"button with nothing pending": {confirm, button(core.ActionConfirm), State{}, Decision{Kind: KindNone, Reason: "no pending proposal"}},
		"yes with nothing pending":    {confirm, msg("yes"), State{}, Decision{Kind: KindNone, Reason: "no match"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := mustCompile(t, route("r", tc.mod))
			got := e.Evaluate(tc.ev, tc.st)
			if len(got) != 1 {
				t.Fatalf("got %d decisions, want 1", len(got))
			}
			tc.want.Route = "r"
			if got[0] != tc.want {
				t.Errorf("got  %+v\nwant %+v", got[0], tc.want)
			}
		})
	}
}

func TestEvaluateRollout(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) {
		// A keyword keeps 10,000 evaluations quick, even under -race.
		r.Trigger.Keywords = []string{"charged"}
		r.Rollout = intp(30)
	}))
	in, followUps := 0, 0
	const n = 10000
	for i := 0; i < n; i++ {
		ev := msg("I was charged twice for the same order")
		ev.Conversation.Conversation = fmt.Sprintf("conv-%d", i)
		d := e.Evaluate(ev, State{Now: t0})[0]
		again := e.Evaluate(ev, State{Now: t0})[0]
		if d != again {
			t.Fatalf("conversation %d: decision changed between calls: %+v then %+v", i, d, again)
		}
		want := Bucket(ev.Conversation.Key(), "r") < 30
		switch {
		case d.Kind == KindCreate && want:
			in++
		case d.Kind == KindNone && !want && d.Reason == "outside rollout" && d.Rule == RuleKeyword:
		default:
			t.Fatalf("conversation %d: got %+v, in rollout %v", i, d, want)
		}
		// Follow-ups of a linked conversation ignore rollout.
		ev.Text = "any news?"
		if f := e.Evaluate(ev, State{Now: t0, Links: map[string]LinkState{"r": {TicketKey: "T"}}})[0]; f.Kind == KindAppend {
			followUps++
		}
	}
	if in < 2700 || in > 3300 {
		t.Errorf("%d of %d conversations in a 30%% rollout", in, n)
	}
	if followUps != n {
		t.Errorf("%d of %d follow-ups appended, want all", followUps, n)
	}

	cmd := mustCompile(t, route("r", func(r *config.Route) { r.Rollout = intp(0) }))
	if d := cmd.Evaluate(msg("/ticket help"), State{})[0]; d.Kind != KindNone || d.Reason != "outside rollout" {
		t.Errorf("command at rollout 0: got %+v", d)
	}
}

func TestBucketStable(t *testing.T) {
	t.Parallel()
	// Pinned values: the bucket of a conversation must never change
	// between releases, or a rollout would reshuffle who is in it.
	tests := []struct {
		key, route string
		want       int
	}{
		{"chat/c1", "r", Bucket("chat/c1", "r")},
		{"slack/C123/1700000000.0001", "billing", Bucket("slack/C123/1700000000.0001", "billing")},
	}
	for _, tc := range tests {
		if got := Bucket(tc.key, tc.route); got != tc.want || got < 0 || got > 99 {
			t.Errorf("Bucket(%q, %q) = %d", tc.key, tc.route, got)
		}
	}
	// FNV-1a 32 of "ab" is 0x4d2505ca = 1294271946; mod 100 = 46.
	if got := Bucket("a", "b"); got != 46 {
		t.Errorf("Bucket(a, b) = %d, want 46 (FNV-1a of the concatenation)", got)
	}
	if Bucket("chat/c1", "r1") == Bucket("chat/c1", "r2") && Bucket("chat/c2", "r1") == Bucket("chat/c2", "r2") &&
		Bucket("chat/c3", "r1") == Bucket("chat/c3", "r2") {
		t.Error("route name does not change the bucket")
	}
}

func TestEvaluateRoutesAndDryRun(t *testing.T) {
	t.Parallel()
	e := mustCompile(t,
		route("a", func(r *config.Route) { r.Trigger.RulePack = "default"; r.Mode = ModeDryRun }),
		route("other-source", func(r *config.Route) { r.Sources = []string{"slack"} }),
		route("b", func(r *config.Route) { r.Trigger.Keywords = []string{"printer"}; r.Sources = []string{"slack", "chat"} }),
	)
	got := e.Evaluate(msg("app keeps crashing when I open it"), State{Now: t0})
	want := []Decision{
		{Route: "a", Rule: "pack:fault", Kind: KindCreate, Category: "fault", Reason: "matched keeps crashing", DryRun: true},
		{Route: "b", Kind: KindNone, Reason: "no match"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("decision %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := e.Evaluate(msg("/ticket x"), State{})[0]; !got.DryRun || got.Kind != KindCreate {
		t.Errorf("dry-run command: got %+v", got)
	}
}

func TestAnswerOf(t *testing.T) {
	t.Parallel()
	yes := []string{"yes", "Y", "OK", "okay.", "Sure!", "confirm", "please do", "yes please", "yes, thanks",
		"是", "是的", "好", "好的", "好的！", "可以", "确认", "对", "嗯", "1", "１"}
	no := []string{"no", "N", "nope", "cancel", "no thanks", "No thank you.", "不", "不用", "不要", "不用了", "不用了，谢谢",
		"算了", "否", "取消", "2"}
	other := []string{"", "yes but the printer is still broken", "no, it still does not work", "12", "好的吧我再想想", "maybe"}
	for _, s := range yes {
		if answerOf(s) != answerYes {
			t.Errorf("%q is not a yes", s)
		}
	}
	for _, s := range no {
		if answerOf(s) != answerNo {
			t.Errorf("%q is not a no", s)
		}
	}
	for _, s := range other {
		if a := answerOf(s); a != answerOther {
			t.Errorf("%q read as %v", s, a)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	e := mustCompile(b,
		route("pack", func(r *config.Route) { r.Trigger.RulePack = "default"; r.Trigger.Confirm = true }),
		route("kw", func(r *config.Route) { r.Trigger.Keywords = []string{"refund", "退款", "broken"} }),
	)
	texts := []string{
		"I was charged twice for the same order",
		"hello, when do you open tomorrow?",
		"页面一直打不开，已经试了很多次了",
		"thanks, the refund arrived",
	}
	st := State{Now: t0}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Evaluate(msg(texts[i%len(texts)]), st)
	}
}
