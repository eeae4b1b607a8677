package sinkhttp_test

import (
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

func TestMarkerRoundTrip(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		body  string
		key   string
		style sinkhttp.MarkerStyle
		want  string
	}{
		"visible": {"[12:00] Ann: hello\n", "tb-append-ab12-7-9", sinkhttp.Visible, "[12:00] Ann: hello\n\nref: tb-append-ab12-7-9"},
		"hidden":  {"hello", "tb-append-ab12-7-9", sinkhttp.Hidden, "hello\n\n<!-- ticketbridge:tb-append-ab12-7-9 -->"},
		"no key":  {"hello", "", sinkhttp.Hidden, "hello"},
	}
	for name, c := range cases {
		got := sinkhttp.Marked(c.body, c.key, c.style)
		if got != c.want {
			t.Errorf("%s: Marked = %q, want %q", name, got, c.want)
		}
		key, ok := sinkhttp.MarkerKey(got)
		if ok != (c.key != "") || key != c.key {
			t.Errorf("%s: MarkerKey = %q %v, want %q", name, key, ok, c.key)
		}
	}
}

func TestMarkerKeyReadsTheLastMarker(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		text string
		want string
		ok   bool
	}{
		"quoted marker in chat text": {"Ann: ref: tb-append-x-1-1 haha\n\nref: tb-append-L-4-6", "tb-append-L-4-6", true},
		"html wrapped by the system": {"<div>Ann: hi<br><br>ref: tb-append-L-4-6</div>", "tb-append-L-4-6", true},
		"hidden among markdown":      {"hi\n\n<!-- ticketbridge:tb-attach-L-3-9f2a -->\n\n<!-- ticketbridge -->", "tb-attach-L-3-9f2a", true},
		"no marker":                  {"plain words, a reference: none", "", false},
		"not one of our keys":        {"ref: JIRA-12", "", false},
	}
	for name, c := range cases {
		got, ok := sinkhttp.MarkerKey(c.text)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", name, got, ok, c.want, c.ok)
		}
	}
}

func TestFindMarked(t *testing.T) {
	t.Parallel()
	texts := []string{"no marker", "x\n\nref: tb-append-L2-1-3", "y\n\nref: tb-append-L1-7-9"}
	cases := map[string]struct {
		prefix string
		want   string
		ok     bool
	}{
		"our append":   {"tb-append-L1-7-", "tb-append-L1-7-9", true},
		"other range":  {"tb-append-L1-10-", "", false},
		"another link": {"tb-append-L3-", "", false},
	}
	for name, c := range cases {
		got, ok := sinkhttp.FindMarked(texts, c.prefix)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", name, got, ok, c.want, c.ok)
		}
	}
}

func TestStripMarker(t *testing.T) {
	t.Parallel()
	in := sinkhttp.Marked("line one\nline two", "tb-append-L-1-2", sinkhttp.Hidden)
	if got := sinkhttp.StripMarker(in); got != "line one\nline two" {
		t.Errorf("StripMarker = %q", got)
	}
}
