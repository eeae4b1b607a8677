package fallback_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// stubChannel fails with err (nil: succeeds) and counts its calls.
type stubChannel struct {
	name  string
	err   error
	calls int
}

func (s *stubChannel) Name() string { return s.name }
func (s *stubChannel) Send(context.Context, fallback.Notice) error {
	s.calls++
	return s.err
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	permanent := &core.CallError{Op: "post", Message: "gone", Permanent: true}
	transient := func(d time.Duration) error { return &core.CallError{Op: "post", Message: "busy", RetryAfter: d} }
	cases := map[string]struct {
		errs       []error // one per channel
		wantUsed   string
		wantCalls  []int
		wantErr    []string
		permanent  bool
		retryAfter time.Duration
	}{
		"first works":              {errs: []error{nil, nil}, wantUsed: "c0", wantCalls: []int{1, 0}},
		"falls through":            {errs: []error{permanent, transient(0), nil}, wantUsed: "c2", wantCalls: []int{1, 1, 1}},
		"all permanent":            {errs: []error{permanent, permanent}, wantCalls: []int{1, 1}, wantErr: []string{"c0: post", "c1: post", "2 of 2"}, permanent: true},
		"one transient retries":    {errs: []error{permanent, transient(time.Minute)}, wantCalls: []int{1, 1}, wantErr: []string{"c1: post"}, retryAfter: time.Minute},
		"shortest wait wins":       {errs: []error{transient(time.Minute), transient(5 * time.Second)}, wantCalls: []int{1, 1}, retryAfter: 5 * time.Second},
		"plain error is transient": {errs: []error{errors.New("boom")}, wantCalls: []int{1}, wantErr: []string{"c0: boom"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var chans []fallback.Channel
			var stubs []*stubChannel
			for i, e := range tc.errs {
				s := &stubChannel{name: "c" + string(rune('0'+i)), err: e}
				stubs = append(stubs, s)
				chans = append(chans, s)
			}
			used, err := fallback.Deliver(context.Background(), chans, sampleNotice())
			for i, s := range stubs {
				if s.calls != tc.wantCalls[i] {
					t.Errorf("channel %d called %d times, want %d", i, s.calls, tc.wantCalls[i])
				}
			}
			if used != tc.wantUsed {
				t.Errorf("used %q, want %q", used, tc.wantUsed)
			}
			if tc.wantUsed != "" {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if core.IsPermanent(err) != tc.permanent {
				t.Errorf("permanent %v, want %v", core.IsPermanent(err), tc.permanent)
			}
			if got, _ := core.RetryAfterOf(err); got != tc.retryAfter {
				t.Errorf("retry after %v, want %v", got, tc.retryAfter)
			}
		})
	}
}

func TestDeliverNoChannels(t *testing.T) {
	t.Parallel()
	if _, err := fallback.Deliver(context.Background(), nil, sampleNotice()); !errors.Is(err, fallback.ErrNoChannels) {
		t.Fatalf("err %v", err)
	}
}

// A cancelled context stops the walk: later channels are not tried, and
// the failure is worth retrying.
func TestDeliverCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	first := &stubChannel{name: "a", err: &core.CallError{Op: "post", Permanent: true}}
	second := &stubChannel{name: "b"}
	cancelling := channelFunc{name: "cancel", send: func(context.Context, fallback.Notice) error {
		cancel()
		return &core.CallError{Op: "post", Permanent: true}
	}}
	_, err := fallback.Deliver(ctx, []fallback.Channel{first, cancelling, second}, sampleNotice())
	if second.calls != 0 || first.calls != 1 {
		t.Fatalf("calls first %d second %d", first.calls, second.calls)
	}
	if !errors.Is(err, context.Canceled) || core.IsPermanent(err) {
		t.Fatalf("err %v permanent %v", err, core.IsPermanent(err))
	}
}

type channelFunc struct {
	name string
	send func(context.Context, fallback.Notice) error
}

func (c channelFunc) Name() string                                      { return c.name }
func (c channelFunc) Send(ctx context.Context, n fallback.Notice) error { return c.send(ctx, n) }

// Real channels end to end: a WeCom robot whose key was revoked, a
// rate-limited Feishu bot, then e-mail, which takes it.
func TestDeliverRealChannels(t *testing.T) {
	t.Parallel()
	wecom := httptest.NewServer(&wecomFake{t: t, key: "current"})
	defer wecom.Close()
	feishu := httptest.NewServer(&feishuFake{t: t, token: "tok", now: clock, answer: `{"code":9499,"msg":"too many request"}`})
	defer feishu.Close()
	mailSrv, _ := startMailServer(t, mailOpts{})
	d := fallback.Deps{HTTP: wecom.Client(), Now: fixedNow, SMTP: smtpConfig(t, mailSrv, nil, "none", "", "")}
	var chans []fallback.Channel
	for _, spec := range []fallback.Spec{
		{Type: "wecom_robot", Webhook: wecom.URL + "/cgi-bin/webhook/send?key=revoked"},
		{Type: "feishu_bot", Webhook: feishu.URL + "/open-apis/bot/v2/hook/tok"},
		{Type: "email", Name: "ops-mail", To: []string{"ops@example.com"}},
	} {
		ch, err := fallback.New(spec, d)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	used, err := fallback.Deliver(context.Background(), chans, sampleNotice())
	if err != nil || used != "ops-mail" {
		t.Fatalf("used %q err %v", used, err)
	}
	if got := mailSrv.messages(); len(got) != 1 {
		t.Fatalf("mail server got %d messages", len(got))
	}
}
