package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// handler masks personal data in every record before passing it on.
type handler struct {
	next slog.Handler
	r    *Redactor
}

// logPolicy masks everything fully: a log line has no reader who needs to
// recognise a customer.
var logPolicy = Policy{Default: Full}

// NewHandler wraps next so that no log line carries personal data: the
// message and every string attribute, in groups too, are masked fully.
// Errors, Stringers and other values are rendered and masked when they
// contain anything, so that a phone number inside an error message is
// caught as well.
func NewHandler(next slog.Handler, r *Redactor) slog.Handler {
	return &handler{next: next, r: r}
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Mask(rec.Message, logPolicy), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(masked), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if m := h.r.Mask(s, logPolicy); m != s {
			return slog.String(a.Key, m)
		}
	case slog.KindGroup:
		g := v.Group()
		masked := make([]slog.Attr, len(g))
		for i, ga := range g {
			masked[i] = h.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(masked...)}
	case slog.KindInt64, slog.KindUint64:
		// A phone or card number logged as a number is still one.
		s := v.String()
		if m := h.r.Mask(s, logPolicy); m != s {
			return slog.String(a.Key, m)
		}
	case slog.KindAny:
		// The next handler would render this value itself (JSON, %+v);
		// render it here first and, if that shows personal data, log the
		// masked rendering instead.
		var s string
		switch x := v.Any().(type) {
		case nil:
			return slog.Attr{Key: a.Key, Value: v}
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		case []byte:
			s = string(x)
		default:
			s = fmt.Sprintf("%+v", x)
		}
		if m := h.r.Mask(s, logPolicy); m != s {
			return slog.String(a.Key, m)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
