package dingtalk_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk/dingtalkfake"
)

func TestLookupUser(t *testing.T) {
	t.Parallel()
	src, fake := fakeSource(t)
	fake.SetUser(dingtalk.UserInfo{UserID: "u7", Name: "王五", OrgEmail: "wang@corp.example", Email: "wang@home.example"})
	ctx := context.Background()
	for _, id := range []string{"u7", "user:u7"} {
		u, err := src.LookupUser(ctx, id)
		if err != nil || u.ID != "u7" || u.Name != "王五" || u.Email != "wang@corp.example" || u.Role != core.RoleCustomer {
			t.Fatalf("LookupUser(%s) = %+v, %v", id, u, err)
		}
	}
	if n := fake.Requests(dingtalkfake.PathUser); n != 1 {
		t.Fatalf("%d user/get calls, want 1 (cached)", n)
	}
	// An expired old-API token (40014) is refreshed once.
	fake.ExpireTokens()
	fake.SetUser(dingtalk.UserInfo{UserID: "u8", Name: "赵六"})
	if u, err := src.LookupUser(ctx, "u8"); err != nil || u.Name != "赵六" {
		t.Fatalf("after expiry: %+v, %v", u, err)
	}
	if n := fake.TokenRequests(); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
	// An unknown user is permanent, with DingTalk's errmsg.
	if _, err := src.LookupUser(ctx, "nobody"); !core.IsPermanent(err) || !strings.Contains(err.Error(), "60121") {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	src, fake := fakeSource(t)
	data := bytes.Repeat([]byte("log line\n"), 1000)
	fake.SetFile("dlFile-1", dingtalkfake.File{ContentType: "text/plain", Name: "error.log", Data: data})
	ctx := context.Background()
	rc, a, err := src.FetchAttachment(ctx, core.Attachment{ID: "dlFile-1", Name: "file"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) || a.Name != "error.log" || a.ContentType != "text/plain" || a.Size != int64(len(data)) {
		t.Fatalf("got %d bytes, %+v, %v", len(got), a, err)
	}
	tests := map[string]struct {
		id        string
		fault     *dingtalkfake.Fault
		permanent bool
	}{
		"unknown code":  {id: "nope", permanent: true},
		"no id":         {id: "", permanent: true},
		"download busy": {id: "dlFile-1", fault: &dingtalkfake.Fault{Status: 503, Body: `{"code":"ServiceUnavailable","message":"busy"}`}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if tt.fault != nil {
				fake.FailNext(dingtalkfake.PathDownload, *tt.fault)
			}
			_, _, err := src.FetchAttachment(ctx, core.Attachment{ID: tt.id})
			if err == nil || core.IsPermanent(err) != tt.permanent {
				t.Fatalf("err %v, permanent want %v", err, tt.permanent)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	src, _ := fakeSource(t)
	if err := src.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	fake := dingtalkfake.New(t, appKey, "another-secret")
	s := settings()
	s.APIURL, s.OAPIURL = fake.URL(), fake.URL()
	err := newSource(t, s).Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "check app_key and app_secret") || !strings.Contains(err.Error(), "invalidClientIdOrSecret") {
		t.Fatalf("wrong secret: %v", err)
	}
	s.APIURL = "http://127.0.0.1:1"
	if err := newSource(t, s).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestGroupRobot(t *testing.T) {
	t.Parallel()
	fake := dingtalkfake.New(t, appKey, appSecret)
	fake.SetNow(fixedNow)
	signed := fake.AddGroupRobot("robot-a", "SECabc123")
	plain := fake.AddGroupRobot("robot-b", "")
	ctx := context.Background()
	tests := map[string]struct {
		robot     dingtalk.GroupRobot
		fault     *dingtalkfake.Fault
		wantErr   string
		permanent bool
		retry     time.Duration
	}{
		"signed":       {robot: dingtalk.GroupRobot{Webhook: signed, Secret: "SECabc123", Now: fixedNow}},
		"unsigned":     {robot: dingtalk.GroupRobot{Webhook: plain}},
		"wrong secret": {robot: dingtalk.GroupRobot{Webhook: signed, Secret: "SECwrong", Now: fixedNow}, wantErr: "310000", permanent: true},
		"stale clock": {robot: dingtalk.GroupRobot{Webhook: signed, Secret: "SECabc123", Now: func() time.Time { return clock.Add(-2 * time.Hour) }},
			wantErr: "310000", permanent: true},
		"unknown token": {robot: dingtalk.GroupRobot{Webhook: fake.URL() + "/robot/send?access_token=zzz"}, wantErr: "300001", permanent: true},
		"too fast": {robot: dingtalk.GroupRobot{Webhook: plain}, fault: &dingtalkfake.Fault{Body: `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`},
			wantErr: "send too fast", retry: time.Minute},
		"bad url": {robot: dingtalk.GroupRobot{Webhook: "robot/send"}, wantErr: "not an absolute", permanent: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			// Not parallel: faults are per path on the shared fake.
			before := len(fake.Posts())
			if tt.fault != nil {
				fake.FailNext(dingtalkfake.PathCustom, *tt.fault)
			}
			err := tt.robot.Send(ctx, "告警 alert: 工单 LOCAL-1")
			if tt.wantErr == "" {
				posts := fake.Posts()
				if err != nil || len(posts) != before+1 || posts[len(posts)-1].Text != "告警 alert: 工单 LOCAL-1" || posts[len(posts)-1].Via != dingtalkfake.ViaCustom {
					t.Fatalf("Send = %v, posts %+v", err, posts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || core.IsPermanent(err) != tt.permanent {
				t.Fatalf("Send = %v, want %q permanent=%v", err, tt.wantErr, tt.permanent)
			}
			if wait, _ := core.RetryAfterOf(err); wait != tt.retry {
				t.Fatalf("retry after %s, want %s", wait, tt.retry)
			}
			if len(fake.Posts()) != before {
				t.Fatal("a refused send was recorded")
			}
		})
	}
	if _, err := dingtalk.NewGroupRobot("", "", nil, nil); err != dingtalk.ErrNoWebhook {
		t.Fatalf("NewGroupRobot empty: %v", err)
	}
}
