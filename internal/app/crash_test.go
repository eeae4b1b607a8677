package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic/generictest"
	srcgenerictest "github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// The process is killed after the ticket system created the ticket and
// before we wrote the link. After a restart the stuck job is rescued, the
// retry finds the ticket by its external id, and there is exactly one
// ticket and one "created" notice.
func TestKilledBetweenCreateAndLinkWrite(t *testing.T) {
	if os.Getenv("TB_CRASH_CHILD") != "" {
		t.Skip("running as the child")
	}
	desk := generictest.NewDesk(t, generictest.DeskOptions{})
	chat := srcgenerictest.NewChat(t, "")
	secret, _ := stdwebhook.NewSecret()
	key, _ := stdwebhook.ParseSecret(secret)
	addr := freeAddr(t)
	env := []string{
		"TB_CRASH_CHILD=1",
		"TB_CHILD_DB=" + filepath.Join(t.TempDir(), "tb.db"),
		"TB_CHILD_ADDR=" + addr,
		"TB_CHILD_SINK_URL=" + desk.URL(),
		"TB_CHILD_SINK_SECRET=" + desk.Secret(),
		"TB_CHILD_SECRET=" + secret,
		"TB_CHILD_REPLY_URL=" + chat.URL(),
		"TB_CHILD_REPLY_SECRET=" + chat.Secret(),
	}

	first := child(t, append(env, "TB_CHILD_CRASH_AFTER_CREATE=1"))
	waitHealthy(t, addr)
	// The event is decided by the commit that stores it, so the creation
	// (and the injected exit after it) may beat the 200 to the wire: a
	// platform that got no answer resends under the same id.
	msg := srcgenerictest.Message("k1", "u1", "/ticket the server will die")
	resp, err := srcgenerictest.SendWithID(t.Context(), "http://"+addr, "chat", key, "k1-evt", time.Now(), msg)
	answered := err == nil && resp.StatusCode == 200
	if err == nil {
		resp.Body.Close()
	}
	err = first.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("first process ended with %v, want the injected exit 3", err)
	}
	if n := len(desk.Tickets()); n != 1 {
		t.Fatalf("before the restart the ticket system has %d tickets, want 1", n)
	}
	if n := len(chat.Replies()); n != 0 {
		t.Fatalf("the killed process already notified the chat: %d replies", n)
	}
	// Let the dead jobs' running time pass the rescue threshold. The new
	// process becomes River's leader once the dead one's lease lapses, and
	// its rescuer then retries the stuck jobs: the create job, and the
	// process job whose completion the kill may have cut off too.
	time.Sleep(2500 * time.Millisecond)

	second := child(t, env)
	defer func() {
		_ = second.Process.Signal(os.Interrupt)
		_ = second.Wait()
	}()
	if !answered {
		waitHealthy(t, addr)
		resp, err := srcgenerictest.SendWithID(t.Context(), "http://"+addr, "chat", key, "k1-evt", time.Now(), msg)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("resend after the restart: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	replies := chat.WaitReplies(1, 60*time.Second)
	if len(replies) != 1 {
		t.Fatalf("after the restart the chat got %d replies, want the created notice", len(replies))
	}
	time.Sleep(300 * time.Millisecond)
	ts := desk.Tickets()
	if len(ts) != 1 || desk.CountExternal(ts[0].ExternalID) != 1 || len(chat.Replies()) != 1 {
		t.Fatalf("after the restart: %d tickets, %d replies; want exactly one of each", len(ts), len(chat.Replies()))
	}
}

// TestCrashChild is the child process of the test above; it does nothing
// in a normal run.
func TestCrashChild(t *testing.T) {
	if os.Getenv("TB_CRASH_CHILD") == "" {
		t.Skip("only runs as a child process")
	}
	cfg := config.Default(filepath.Dir(os.Getenv("TB_CHILD_DB")))
	cfg.Storage.DSN = os.Getenv("TB_CHILD_DB")
	cfg.Server.Listen = os.Getenv("TB_CHILD_ADDR")
	cfg.Jobs.JobTimeout = time.Second
	cfg.Jobs.RescueAfter = 2 * time.Second
	cfg.Sources[0].Set("secret", os.Getenv("TB_CHILD_SECRET"))
	cfg.Sources[0].Set("reply_url", os.Getenv("TB_CHILD_REPLY_URL"))
	cfg.Sources[0].Set("reply_secret", os.Getenv("TB_CHILD_REPLY_SECRET"))
	c := config.NewConnector("sinks[1]", "ext", "generic")
	c.Set("url", os.Getenv("TB_CHILD_SINK_URL"))
	c.Set("secret", os.Getenv("TB_CHILD_SINK_SECRET"))
	cfg.Sinks = append(cfg.Sinks, c)
	cfg.Routes[0].Sink = "ext"
	opts := app.Options{Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if os.Getenv("TB_CHILD_CRASH_AFTER_CREATE") != "" {
		opts.WrapSink = func(s sink.Sink) sink.Sink { return dieAfterCreate{s} }
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a, err := app.New(ctx, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ctx, ln)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	stop()
	a.Close(context.Background())
}

// dieAfterCreate kills the process the moment the sink has created a
// ticket, before the caller can record it.
type dieAfterCreate struct{ sink.Sink }

func (d dieAfterCreate) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	ref, err := d.Sink.Create(ctx, t)
	if err == nil {
		os.Exit(3)
	}
	return ref, err
}

func child(t *testing.T, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	if testing.Verbose() {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://%s/readyz", addr))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the child on %s never became ready", addr)
}
