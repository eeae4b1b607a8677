package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// noTime drops the time so that output is comparable.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

type customer struct {
	Name  string
	Phone string
}

type stringer string

func (s stringer) String() string { return "customer " + string(s) }

type valuer string

func (v valuer) LogValue() slog.Value { return slog.StringValue("card " + string(v)) }

func TestHandlerJSON(t *testing.T) {
	t.Parallel()
	pii := []string{
		"13812345678", "138 1234 5678", "zs@example.com", "110101199003071233",
		"6222020200001235", "15987654321", "18612345678", "13912345678", "13700001111",
		"010-12345678", "+44 20 7946 0958", "E123456",
	}
	var buf bytes.Buffer
	r := newTest(t, Custom{Name: "employee", Pattern: `\bE[0-9]{6}\b`})
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime}), r))

	log = log.With("caller_phone", "138 1234 5678", "route", "billing")
	log.Info("customer 13812345678 asked about order 20261128123456789",
		"email", "zs@example.com",
		slog.Group("ticket", "id", "T-1", slog.Group("requester", "id_card", "110101199003071233", "employee", "E123456")),
		"err", fmt.Errorf("sink said: %w", errors.New("bad field phone=15987654321")),
		"who", stringer("18612345678"),
		"as_number", int64(13912345678),
		"struct", customer{Name: "Zhang", Phone: "13700001111"},
		"card", valuer("6222020200001235"),
		"order", int64(20261128123456789),
		"count", 3,
	)
	log.WithGroup("sink").Warn("retry", "office", "010-12345678", "abroad", "+44 20 7946 0958")

	out := buf.String()
	for _, p := range pii {
		if strings.Contains(out, p) {
			t.Errorf("log output contains %q:\n%s", p, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d:\n%s", len(lines), out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"msg":          "customer [PHONE] asked about order 20261128123456789",
		"caller_phone": "[PHONE]",
		"route":        "billing",
		"email":        "[EMAIL]",
		"err":          "sink said: bad field phone=[PHONE]",
		"who":          "customer [PHONE]",
		"as_number":    "[PHONE]",
		"struct":       "{Name:Zhang Phone:[PHONE]}",
		"card":         "card [BANK_CARD]",
		"order":        float64(20261128123456789),
		"count":        float64(3),
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %#v, want %#v", k, first[k], v)
		}
	}
	ticket, _ := first["ticket"].(map[string]any)
	req, _ := ticket["requester"].(map[string]any)
	if ticket["id"] != "T-1" || req["id_card"] != "[ID_CARD]" || req["employee"] != "[EMPLOYEE]" {
		t.Errorf("nested groups: %v", first["ticket"])
	}
	if !strings.Contains(lines[1], `"sink":{"office":"[LANDLINE]","abroad":"[INTL_PHONE]"}`) {
		t.Errorf("group from WithGroup: %s", lines[1])
	}
}

// TestHandlerClean: a record with nothing to mask comes out exactly as
// the wrapped handler writes it.
func TestHandlerClean(t *testing.T) {
	t.Parallel()
	r := newTest(t)
	logBoth := func(h slog.Handler) {
		l := slog.New(h).With("sink", "jira")
		l.Info("created ticket", "key", "OPS-12", "attempt", 2, "order", "20261128123456789",
			slog.Group("g", "n", 1.5, "ok", true), "nil", nil)
	}
	var plain, wrapped bytes.Buffer
	logBoth(slog.NewJSONHandler(&plain, &slog.HandlerOptions{ReplaceAttr: noTime}))
	logBoth(NewHandler(slog.NewJSONHandler(&wrapped, &slog.HandlerOptions{ReplaceAttr: noTime}), r))
	if plain.String() != wrapped.String() {
		t.Errorf("clean record changed:\n got %s\nwant %s", wrapped.String(), plain.String())
	}
}

func TestHandlerEnabled(t *testing.T) {
	t.Parallel()
	h := NewHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}), newTest(t))
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled does not follow the wrapped handler")
	}
}
