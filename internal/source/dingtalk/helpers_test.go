package dingtalk_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk/dingtalkfake"
)

// The official event crypto vector's settings (im-protocols.md §4.4).
const (
	vecToken    = "tokenxxxx"
	vecAESKey   = "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus"
	vecOwnerKey = "dingxxxxxx"
	otherAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	appKey      = "dingxxxxxx"
	appSecret   = "app-secret-Zt8x"
)

var clock = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

func settings() dingtalk.Settings {
	return dingtalk.Settings{AppKey: appKey, AppSecret: appSecret}
}

func eventSettings() dingtalk.Settings {
	return dingtalk.Settings{AppKey: appKey, AppSecret: appSecret, Mode: dingtalk.ModeBoth,
		Token: vecToken, AESKey: vecAESKey, OwnerKey: vecOwnerKey}
}

func newSource(t testing.TB, s dingtalk.Settings) *dingtalk.Source {
	t.Helper()
	src, err := dingtalk.New("dt", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

// fakeSource is a robot-mode source pointed at a fresh fake.
func fakeSource(t *testing.T) (*dingtalk.Source, *dingtalkfake.Server) {
	t.Helper()
	fake := dingtalkfake.New(t, appKey, appSecret)
	s := settings()
	s.APIURL, s.OAPIURL = fake.URL(), fake.URL()
	return newSource(t, s), fake
}

func robot() dingtalkfake.Robot { return dingtalkfake.Robot{AppSecret: appSecret, Now: fixedNow} }

// robotRequest is a signed callback as ingress would see it.
func robotRequest(t testing.TB, body []byte) *http.Request {
	t.Helper()
	r, err := robot().RequestBody(context.Background(), "http://tb.test", "dt", body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pusher(t testing.TB) *dingtalkfake.Pusher {
	t.Helper()
	p, err := dingtalkfake.NewPusher(vecToken, vecAESKey, vecOwnerKey)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = fixedNow
	return p
}

func pushRequest(sl dingtalkfake.Sealed) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "http://tb.test/hooks/im/dt?"+sl.Query.Encode(), bytes.NewReader(sl.Body))
	return r
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
