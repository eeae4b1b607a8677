package feishuhelpdesk_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/feishuhelpdesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/feishuhelpdesk/helpdeskfake"
)

const fallbackGuest = "ou_service_account"

func settings(f *helpdeskfake.Server) feishuhelpdesk.Settings {
	o := f.Options()
	return feishuhelpdesk.Settings{AppID: o.AppID, AppSecret: o.AppSecret, HelpdeskID: o.HelpdeskID, HelpdeskToken: o.HelpdeskToken,
		EncryptKey: o.EncryptKey, VerificationToken: o.Token, RequesterOpenID: fallbackGuest, APIURL: f.URL(),
		CustomFields: map[string]string{"order": "order_no"}}
}

func newSink(t *testing.T, f *helpdeskfake.Server, edit ...func(*feishuhelpdesk.Settings)) *feishuhelpdesk.Sink {
	t.Helper()
	s := settings(f)
	for _, e := range edit {
		e(&s)
	}
	snk, err := feishuhelpdesk.New("hd", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return snk
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: "Charged twice for order 1042", Description: "customer: I was charged twice",
		Priority: "high", Requester: core.Requester{Name: "Ann Lee", Email: "ann@example.com"}, Custom: map[string]any{"order": "1042"}}
}

// A ticket opens as a service chat for the requester found by e-mail; its
// source information carries our marker, the title, the priority and the
// mapped field; the description is the chat's first message; a public
// comment follows it, an internal one does not; the status reads back.
func TestCreateCommentStatus(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	f.AddUser("ann@example.com", "ou_ann")
	s := newSink(t, f)
	ctx := t.Context()
	ref, err := s.Create(ctx, draft("tb-1"))
	if err != nil {
		t.Fatal(err)
	}
	tks := f.Tickets()
	if len(tks) != 1 || ref.Key != tks[0].TicketID || tks[0].Guest.ID != "ou_ann" || tks[0].Stage != feishuhelpdesk.StageHuman {
		t.Fatalf("ref %+v, tickets %+v", ref, tks)
	}
	info := tks[0].CustomizedInfo
	for _, want := range []string{"ticketbridge tb-1\n", "Charged twice", "priority: high", "order_no: 1042", "Ann Lee"} {
		if !strings.Contains(info, want) {
			t.Errorf("customized_info %q lacks %q", info, want)
		}
	}
	if !strings.Contains(ref.URL, tks[0].ChatID) || ref.Status != "created" {
		t.Fatalf("ref %+v", ref)
	}
	if err := s.Comment(ctx, ref, core.Comment{Body: "and it happened again", Public: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Comment(ctx, ref, core.Comment{Body: "internal: check the payment logs", Public: false}); err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages(ref.Key)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Content, "I was charged twice") || !strings.Contains(msgs[0].Content, "(ref tb-1)") ||
		msgs[1].Content != "and it happened again" {
		t.Fatalf("messages %+v", msgs)
	}
	if st, err := s.Status(ctx, ref); err != nil || st != "created" {
		t.Fatalf("status %q %v", st, err)
	}
	// No Feishu user for the e-mail: the configured requester.
	d := draft("tb-2")
	d.Requester = core.Requester{Name: "Bob", Email: "bob@elsewhere.example"}
	if _, err := s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	// A Feishu chat's requester is already an open_id.
	d = draft("tb-3")
	d.Requester = core.Requester{ID: "ou_carol"}
	if _, err := s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if tks := f.Tickets(); tks[1].Guest.ID != fallbackGuest || tks[2].Guest.ID != "ou_carol" {
		t.Fatalf("guests %+v %+v", tks[1].Guest, tks[2].Guest)
	}
}

// start_service acts and its answer is lost: the retry's look-up finds the
// ticket by the marker among the API's tickets, completes it with the
// description, and no second chat starts.
func TestLostAnswerFoundByMarker(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	s := newSink(t, f)
	ctx := t.Context()
	// Someone else's API ticket beside ours.
	if _, err := s.Create(ctx, draft("tb-other")); err != nil {
		t.Fatal(err)
	}
	f.LoseNextStartService()
	if _, err := s.Create(ctx, draft("tb-lost")); err == nil || core.IsPermanent(err) {
		t.Fatalf("lost answer: %v", err)
	}
	ref, found, err := s.FindByExternalID(ctx, "tb-lost")
	if err != nil || !found {
		t.Fatalf("find: %v %v", found, err)
	}
	if n := f.Calls("POST /open-apis/helpdesk/v1/start_service"); n != 2 {
		t.Fatalf("%d start_service calls, want 2 (one per ticket)", n)
	}
	msgs := f.Messages(ref.Key)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Content, "(ref tb-lost)") {
		t.Fatalf("description after the look-up: %+v", msgs)
	}
	// A second look-up finds it complete and posts nothing.
	if _, found, err := s.FindByExternalID(ctx, "tb-lost"); err != nil || !found || len(f.Messages(ref.Key)) != 1 {
		t.Fatalf("second look-up: %v %v %d", found, err, len(f.Messages(ref.Key)))
	}
	if _, found, err := s.FindByExternalID(ctx, "tb-never"); err != nil || found {
		t.Fatalf("unknown id: %v %v", found, err)
	}
}

// An expired tenant token is renewed once; the helpdesk's rate limit is a
// transient error with the wait Feishu names; wrong helpdesk credentials
// are permanent.
func TestTokenRateLimitAndCredentials(t *testing.T) {
	t.Parallel()
	// A frozen clock: the fake's rate-limit second never ends.
	frozen := time.Now()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 3, Now: func() time.Time { return frozen }})
	s := newSink(t, f)
	ctx := t.Context()
	ref := core.TicketRef{Sink: "hd", Key: "x"}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	f.ExpireTokens()
	// The fake allows 3 helpdesk calls a second: the fourth within the
	// second is refused (the ticket does not exist: the others answer 400).
	var err error
	for range 4 {
		_, err = s.Status(ctx, ref)
	}
	if wait, ok := core.RetryAfterOf(err); !ok || wait != time.Second || core.IsPermanent(err) {
		t.Fatalf("rate limited: %v", err)
	}

	f = helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	bad := newSink(t, f, func(s *feishuhelpdesk.Settings) { s.HelpdeskToken = "wrong" })
	if err := bad.Check(ctx); err == nil || !strings.Contains(err.Error(), "helpdesk") {
		t.Fatalf("wrong helpdesk token: %v", err)
	}
	wrongApp := newSink(t, f, func(s *feishuhelpdesk.Settings) { s.AppSecret = "wrong" })
	if _, err := wrongApp.Create(ctx, draft("tb-x")); !core.IsPermanent(err) {
		t.Fatalf("wrong app secret: %v", err)
	}
}

// Deliveries: the URL verification is answered; a status change, the
// stage moving to a human, an agent's message become ticket events; the
// bot's message (ours) is marked, the guest's is dropped; forged, stale,
// unsigned or mistokened deliveries are refused.
func TestWebhook(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	s := newSink(t, f, func(s *feishuhelpdesk.Settings) { f := false; s.HumanService = &f })
	ctx := t.Context()
	ref, err := s.Create(ctx, draft("tb-w"))
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(plain []byte, signed bool, edit func(*http.Request)) (*http.Request, []byte) {
		req, err := f.Request(ctx, "http://tb/hooks/tickets/hd", plain, signed)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(req)
		}
		body := readBody(t, req)
		return req, body
	}

	req, body := deliver(f.Challenge("chal-9"), false, nil)
	reply, isChallenge, err := s.Challenge(req, body)
	if err != nil || !isChallenge || string(reply.Body) != `{"challenge":"chal-9"}` {
		t.Fatalf("challenge: %v %v %s", isChallenge, err, reply.Body)
	}

	take, _ := f.TakeOver(ref.Key, "ou_agent", "Zhang San")
	req, body = deliver(take, true, nil)
	if _, isChallenge, err := s.Challenge(req, body); err != nil || isChallenge {
		t.Fatalf("an event is no challenge: %v %v", isChallenge, err)
	}
	evs, err := s.ParseWebhook(req, body)
	if err != nil || len(evs) != 2 || evs[0].Kind != core.TicketStatusChanged || evs[0].From != "created" || evs[0].To != "processing" ||
		evs[1].Kind != core.TicketAssigned || evs[1].Assignee != "Zhang San" || evs[0].Ticket.Key != ref.Key {
		t.Fatalf("take over: %+v %v", evs, err)
	}
	agent, _ := f.Say(ref.Key, feishuhelpdesk.SenderAgent, "ou_agent", "We refunded the second charge.")
	evs, err = s.ParseWebhook(deliver(agent, true, nil))
	if err != nil || len(evs) != 1 || evs[0].Kind != core.TicketCommentAdded || !evs[0].Comment.Public || evs[0].Ours ||
		evs[0].Comment.Body != "We refunded the second charge." || evs[0].Comment.Author != "Zhang San" {
		t.Fatalf("agent message: %+v %v", evs, err)
	}
	bot, _ := f.Say(ref.Key, feishuhelpdesk.SenderBot, "", "echo of ours")
	if evs, err := s.ParseWebhook(deliver(bot, true, nil)); err != nil || len(evs) != 1 || !evs[0].Ours {
		t.Fatalf("bot message: %+v %v", evs, err)
	}
	guest, _ := f.Say(ref.Key, feishuhelpdesk.SenderGuest, "ou_ann", "thanks")
	if evs, err := s.ParseWebhook(deliver(guest, true, nil)); err != nil || len(evs) != 0 {
		t.Fatalf("guest message: %+v %v", evs, err)
	}
	solved, _ := f.SetStatus(ref.Key, feishuhelpdesk.StatusClosedByAgent, true)
	evs, err = s.ParseWebhook(deliver(solved, true, nil))
	if err != nil || len(evs) != 1 || evs[0].To != "closed_by_agent" {
		t.Fatalf("closed: %+v %v", evs, err)
	}
	if st, ok := s.StateOf(evs[0]); !ok || st != core.StateResolved {
		t.Fatalf("closed and solved maps to %q", st)
	}

	refusals := map[string]struct {
		plain  []byte
		signed bool
		edit   func(*http.Request)
		want   error
	}{
		"forged signature": {agent, true, func(r *http.Request) { r.Header.Set("X-Lark-Signature", strings.Repeat("0", 64)) }, core.ErrBadSignature},
		"unsigned event":   {agent, false, nil, core.ErrBadSignature},
		"wrong token":      {[]byte(strings.Replace(string(agent), f.Options().Token, "other", 1)), true, nil, core.ErrBadSignature},
	}
	for name, c := range refusals {
		req, body := deliver(c.plain, c.signed, c.edit)
		_, err := s.ParseWebhook(req, body)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Signed ten minutes ago, correctly: outside the window.
	old := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000, Now: func() time.Time { return time.Now().Add(-10 * time.Minute) }})
	req, err = old.Request(ctx, "http://tb/hooks/tickets/hd", agent, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ParseWebhook(req, readBody(t, req)); !errors.Is(err, core.ErrStale) {
		t.Fatalf("stale: %v", err)
	}
}

// Custom field keys are checked against the helpdesk's ticket fields.
func TestValidateMapping(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	f.AddField("order_no", "Order number")
	s := newSink(t, f)
	problems, err := s.ValidateMapping(t.Context(), sink.MappingSpec{Route: "support", CustomFields: []string{"order", "region"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], `mapping.custom.region`) {
		t.Fatalf("problems %v", problems)
	}
}

// Settings name the missing key.
func TestSettings(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	cases := map[string]struct {
		edit func(*feishuhelpdesk.Settings)
		want string
	}{
		"no helpdesk token": {func(s *feishuhelpdesk.Settings) { s.HelpdeskToken = "" }, "helpdesk_token: required"},
		"no requester":      {func(s *feishuhelpdesk.Settings) { s.RequesterOpenID = "" }, "requester_open_id: required"},
		"agents, bot first": {func(s *feishuhelpdesk.Settings) {
			b := false
			s.HumanService = &b
			s.AppointedAgents = []string{"ou_a"}
		}, "appointed_agents"},
		"bad url": {func(s *feishuhelpdesk.Settings) { s.APIURL = "open.feishu.cn" }, "api_url"},
	}
	for name, c := range cases {
		s := settings(f)
		c.edit(&s)
		if _, err := feishuhelpdesk.New("hd", s, sink.Deps{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
