package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// Sizes of the page benchmark's database (DESIGN's scale target).
const (
	benchTickets = 100_000
	benchEvents  = 1_000_000
	benchConvs   = 10_000
)

// BenchmarkPages renders the console's pages on SQLite holding 100,000
// desk tickets, 1,000,000 events in 10,000 conversations and a link per
// ticket. Seeding takes about a minute; run it alone:
//
//	go test ./internal/console -run '^$' -bench Pages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	st := teststore.SQLite(b)
	ctx := b.Context()
	start := time.Now()
	batch := make([]core.Event, 0, 5000)
	for i := range benchEvents {
		conv := core.ConversationRef{Source: "chat", Conversation: "c" + strconv.Itoa(i%benchConvs)}
		batch = append(batch, core.Event{Source: "chat", EventID: strconv.Itoa(i), Kind: core.KindMessage, Conversation: conv,
			Sender: core.Sender{ID: "u" + strconv.Itoa(i%benchConvs), Name: "Customer", Role: core.RoleCustomer},
			Time:   start.Add(time.Duration(i) * time.Millisecond), Text: "a message of ordinary length, about sixty characters long"})
		if len(batch) == cap(batch) {
			if _, err := st.IngestBatch(ctx, batch, func([]int64, []int) store.Jobs { return nil }); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for i := 1; i <= benchTickets; i++ {
		d := core.TicketDraft{ExternalID: "tb-" + strconv.Itoa(i), Title: fmt.Sprintf("Printer %d is on fire", i),
			Description: "Source: chat\nRule: pack:hardware\n", Priority: []string{"low", "normal", "high"}[i%3],
			Requester: core.Requester{ID: "u1", Name: "Customer"}, Labels: []string{"ticketbridge"}}
		if _, _, err := st.DeskCreate(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	// One link per ticket, written in one statement; a conversation's
	// newest link is its open one.
	if _, err := st.DB().ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO tb_links (id, route, conv_key, conversation, sink, ticket_key, ticket_url, sink_status, state, cursor, created_at, updated_at)
		SELECT 'l' || i, 'support', 'chat/c' || (i % ?), json_object('source', 'chat', 'conversation', 'c' || (i % ?)),
			'desk', 'LOCAL-' || i, '', 'new', CASE WHEN i > ? - ? THEN 'open' ELSE 'closed' END, 0, 0, 0 FROM n`,
		benchTickets, benchConvs, benchConvs, benchTickets, benchConvs); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events, %d tickets in %s", benchEvents, benchTickets, time.Since(start).Round(time.Second))

	desk := local.New("desk", st, func(core.TicketEvent) store.Jobs { return nil }, time.Now)
	key := "LOCAL-" + strconv.Itoa(benchTickets)
	for i := range 20 {
		if _, err := desk.AgentComment(ctx, key, "ann", "comment "+strconv.Itoa(i), i%2 == 0); err != nil {
			b.Fatal(err)
		}
	}
	c := &Console{Tokens: api.NewTokens(testTokens, nil), Store: st, Desk: desk}
	mux := http.NewServeMux()
	if err := c.Register(mux); err != nil {
		b.Fatal(err)
	}
	id := randomHex(32)
	if err := st.ConsoleSessionCreate(ctx, store.ConsoleSession{IDHash: hashID(id), Actor: "operator", CSRF: "x",
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	for name, path := range map[string]string{
		"desk":                 "/console/desk",
		"desk_page_500":        "/console/desk?before=LOCAL-75000",
		"desk_status_priority": "/console/desk?status=new&priority=high",
		"desk_text_rare":       "/console/desk?q=printer+99999+",
		"desk_text_common":     "/console/desk?q=fire",
		"desk_source":          "/console/desk?source=chat",
		"ticket":               "/console/desk/" + key,
		"ticket_poll":          "/console/desk/" + key + "/version",
		"conversation":         "/console/ops/conversations?q=" + key,
	} {
		b.Run(name, func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
				w := httptest.NewRecorder()
				t0 := time.Now()
				mux.ServeHTTP(w, r)
				worst = max(worst, time.Since(t0))
				if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `class="error"`) {
					b.Fatalf("%s: %d %.300s", path, w.Code, w.Body.String())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
		})
	}
}
