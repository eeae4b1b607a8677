package redmine_test

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
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// The process gets SIGKILL the moment Redmine has created the issue,
// before the link is written. After a restart the stuck job is rescued,
// the retry finds the issue by its marker, and there is exactly one issue
// and one "created" notice.
func TestKilledDuringCreate(t *testing.T) {
	if os.Getenv("TB_REDMINE_CHILD") != "" {
		t.Skip("running as the child")
	}
	t.Parallel()
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := mk(t)
			chat := generictest.NewChat(t, "")
			secret, _ := stdwebhook.NewSecret()
			key, _ := stdwebhook.ParseSecret(secret)
			addr := freeAddr(t)
			env := []string{
				"TB_REDMINE_CHILD=1",
				"TB_CHILD_DB=" + filepath.Join(t.TempDir(), "tb.db"),
				"TB_CHILD_ADDR=" + addr,
				"TB_CHILD_REDMINE_URL=" + tg.URL(),
				"TB_CHILD_REDMINE_KEY=" + tg.Key(),
				"TB_CHILD_REDMINE_PROJECT=" + tg.Project(),
				"TB_CHILD_SECRET=" + secret,
				"TB_CHILD_REPLY_URL=" + chat.URL(),
				"TB_CHILD_REPLY_SECRET=" + chat.Secret(),
			}
			first := child(t, append(env, "TB_CHILD_KILL_AFTER_CREATE=1"))
			waitReady(t, addr)
			// The job can run, and the kill land, before the handler has
			// written its answer: the event is committed before either, so
			// a cut connection is as good as a 200 here. Any answer that
			// did arrive must be the 200.
			resp, err := generictest.Send(t.Context(), "http://"+addr, "chat", key, generictest.Message("k1", "u1", "/ticket the server will die"))
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("send: status %d, want 200", resp.StatusCode)
				}
			} else {
				t.Logf("send: %v (the process died before it answered)", err)
			}
			err = first.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("first process ended with %v, want SIGKILL", err)
			}
			if n := len(tg.Issues(t)); n != 1 {
				t.Fatalf("before the restart Redmine has %d issues, want 1", n)
			}
			if n := len(chat.Replies()); n != 0 {
				t.Fatalf("the killed process already told the chat: %d replies", n)
			}
			// The dead jobs must outlive the rescue threshold (2 s) first.
			time.Sleep(2500 * time.Millisecond)
			second := child(t, env)
			defer func() {
				_ = second.Process.Signal(os.Interrupt)
				_ = second.Wait()
			}()
			if rs := chat.WaitReplies(1, 60*time.Second); len(rs) != 1 {
				t.Fatalf("after the restart the chat got %d replies, want the created notice", len(rs))
			}
			time.Sleep(300 * time.Millisecond)
			is := tg.Issues(t)
			if len(is) != 1 || redmine.ExternalIDOf(is[0].Description) == "" || len(chat.Replies()) != 1 {
				t.Fatalf("after the restart: %d issues, %d replies; want one of each", len(is), len(chat.Replies()))
			}
		})
	}
}

// TestRedmineCrashChild is the child process of the test above; it does
// nothing in a normal run.
func TestRedmineCrashChild(t *testing.T) {
	if os.Getenv("TB_REDMINE_CHILD") == "" {
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
	c := config.NewConnector("sinks[1]", "redmine", redmine.Type)
	c.Set("url", os.Getenv("TB_CHILD_REDMINE_URL"))
	c.Set("api_key", os.Getenv("TB_CHILD_REDMINE_KEY"))
	c.Set("project", os.Getenv("TB_CHILD_REDMINE_PROJECT"))
	c.Set("poll_interval", "1h")
	cfg.Sinks = append(cfg.Sinks, c)
	cfg.Routes[0].Sink = "redmine"
	opts := app.Options{Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if os.Getenv("TB_CHILD_KILL_AFTER_CREATE") != "" {
		opts.WrapSink = func(s sink.Sink) sink.Sink { return killAfterCreate{s} }
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
	_ = a.Close(context.Background())
}

// killAfterCreate sends the process SIGKILL once the sink has created an
// issue, before the caller can record it.
type killAfterCreate struct{ sink.Sink }

func (k killAfterCreate) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	ref, err := k.Sink.Create(ctx, t)
	if err == nil {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	return ref, err
}

func child(t *testing.T, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRedmineCrashChild$", "-test.v")
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

func waitReady(t *testing.T, addr string) {
	t.Helper()
	eventually(t, "the child to be ready", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://%s/readyz", addr))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
