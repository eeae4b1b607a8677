// Package demo tells ticketbridge's story in one process: a customer on a
// generic chat complains, the bot proposes a ticket, the customer agrees,
// the ticket opens on the local desk, an agent answers and resolves it,
// and the customer sees both in the chat.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// Run plays the story and writes it to out. It returns an error when any
// step does not happen within its time.
func Run(ctx context.Context, out io.Writer) error {
	dir, err := os.MkdirTemp("", "ticketbridge-demo-")
	if err != nil {
		return fmt.Errorf("make demo directory: %w", err)
	}
	defer os.RemoveAll(dir)

	chat, err := newChat()
	if err != nil {
		return err
	}
	defer chat.close()

	secret, err := stdwebhook.NewSecret()
	if err != nil {
		return fmt.Errorf("make secret: %w", err)
	}
	cfg := config.Default(dir)
	cfg.Sources[0].Set("secret", secret)
	cfg.Sources[0].Set("reply_url", chat.url)
	cfg.Sources[0].Set("reply_secret", chat.secret)

	a, err := app.New(ctx, cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("start ticketbridge: %w", err)
	}
	defer a.Close(ctx)
	if err := a.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Serve(srvCtx, ln)
	base := "http://" + ln.Addr().String()
	key, _ := stdwebhook.ParseSecret(secret)

	s := &story{out: out, chat: chat, base: base, key: key, source: cfg.Sources[0].ID}
	fmt.Fprintf(out, "ticketbridge demo: a generic chat source on %s, SQLite and the local desk in %s\n\n", base, dir)

	if err := s.customer(ctx, "Hi, I was charged twice for order #1042 and I want my money back."); err != nil {
		return err
	}
	if _, err := s.expectBot(1, "proposes a ticket"); err != nil {
		return err
	}
	if err := s.customer(ctx, "yes please"); err != nil {
		return err
	}
	if _, err := s.expectBot(2, "confirms the ticket"); err != nil {
		return err
	}
	tickets, err := a.Store.DeskList(ctx, "", 10)
	if err != nil || len(tickets) != 1 {
		return fmt.Errorf("expected one ticket on the desk, found %d (%v)", len(tickets), err)
	}
	t := tickets[0]
	fmt.Fprintf(out, "  desk     %s opened: %q (priority %s, requester %s)\n", t.Key, t.Title, t.Priority, t.Requester.Name)

	if _, err := a.Desk.AgentComment(ctx, t.Key, "Dana (billing)", "internal: duplicate capture by the payment provider", false); err != nil {
		return err
	}
	fmt.Fprintln(out, "  agent    adds an internal note (it stays on the desk)")
	if _, err := a.Desk.AgentComment(ctx, t.Key, "Dana (billing)", "Sorry about that! The second charge is refunded; it shows in 3-5 days.", true); err != nil {
		return err
	}
	fmt.Fprintln(out, "  agent    answers publicly")
	if _, err := s.expectBot(3, "passes the answer on"); err != nil {
		return err
	}
	if _, err := a.Desk.SetStatus(ctx, t.Key, "solved"); err != nil {
		return err
	}
	fmt.Fprintln(out, "  agent    marks the ticket solved")
	if _, err := s.expectBot(4, "tells the customer it is resolved"); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(chat.all()); n != 4 {
		return fmt.Errorf("the chat received %d messages, want 4 (the internal note must not reach it)", n)
	}
	fmt.Fprintln(out, "\nDone: one ticket, four chat messages, no internal note leaked.")
	return nil
}

type story struct {
	out    io.Writer
	chat   *chat
	base   string
	key    stdwebhook.Secret
	source string
}

func (s *story) customer(ctx context.Context, text string) error {
	fmt.Fprintf(s.out, "  customer %s\n", text)
	ev := generictest.Message("demo-42", "cust-7", text)
	ev.Sender.Name = "Lin Chen"
	ev.Sender.Email = "lin.chen@example.com"
	resp, err := generictest.Send(ctx, s.base, s.source, s.key, ev)
	if err != nil {
		return fmt.Errorf("send customer message: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ticketbridge answered %s to the customer's message", resp.Status)
	}
	return nil
}

func (s *story) expectBot(n int, what string) (generic.Reply, error) {
	replies := s.chat.wait(n, 15*time.Second)
	if len(replies) < n {
		return generic.Reply{}, fmt.Errorf("the bot never %s (chat has %d messages)", what, len(replies))
	}
	r := replies[n-1]
	fmt.Fprintf(s.out, "  bot      %s\n", strings.ReplaceAll(r.Text, "\n", "\n           "))
	if r.Prompt != nil {
		fmt.Fprintf(s.out, "           [%s] [%s]\n", r.Prompt.Confirm, r.Prompt.Reject)
	}
	return r, nil
}

// chat is the customer's chat system: it takes ticketbridge's signed
// replies and refuses unsigned ones.
type chat struct {
	srv      *http.Server
	url      string
	secret   string
	verifier stdwebhook.Verifier

	mu      sync.Mutex
	replies []generic.Reply
}

func newChat() (*chat, error) {
	secret, err := stdwebhook.NewSecret()
	if err != nil {
		return nil, err
	}
	key, _ := stdwebhook.ParseSecret(secret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for chat: %w", err)
	}
	c := &chat{secret: secret, url: "http://" + ln.Addr().String() + "/replies",
		verifier: stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}, Tolerance: 5 * time.Minute, Now: time.Now}}
	c.srv = &http.Server{Handler: http.HandlerFunc(c.receive), ReadHeaderTimeout: 5 * time.Second}
	go c.srv.Serve(ln)
	return c, nil
}

func (c *chat) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if _, err := c.verifier.Verify(r.Header, body); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var rep generic.Reply
	if err := json.Unmarshal(body, &rep); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.replies = append(c.replies, rep)
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (c *chat) all() []generic.Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]generic.Reply(nil), c.replies...)
}

func (c *chat) wait(n int, timeout time.Duration) []generic.Reply {
	deadline := time.Now().Add(timeout)
	for {
		r := c.all()
		if len(r) >= n || time.Now().After(deadline) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *chat) close() { c.srv.Close() }
