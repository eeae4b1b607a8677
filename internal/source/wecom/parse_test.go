package wecom_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Every fixture is a decrypted callback; the test encrypts and signs it
// as WeCom would, runs Verify and Parse, and compares the events (Raw
// included) with the golden file. Callbacks we do not use give [].
func TestParseGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob("testdata/parse/*.*")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, in := range inputs {
		ext := filepath.Ext(in)
		if ext != ".xml" && ext != ".json" {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(in), ext)
		format := strings.TrimPrefix(ext, ".")
		t.Run(name+"."+format, func(t *testing.T) {
			t.Parallel()
			plain, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			s := settings()
			s.Format = format
			src := newSource(t, s)
			sg, err := newSender(t, format).Seal(plain)
			if err != nil {
				t.Fatal(err)
			}
			r := request(sg)
			if err := src.Verify(r, sg.Body); err != nil {
				t.Fatal(err)
			}
			got, err := src.Parse(context.Background(), r, sg.Body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reply == nil || got.Reply.Status != http.StatusOK || len(got.Reply.Body) != 0 {
				t.Fatalf("reply %+v, want an empty 200", got.Reply)
			}
			events := got.Events
			if events == nil {
				events = []core.Event{}
			}
			for _, ev := range events {
				// Raw is the decrypted callback; JSON by contract.
				if !json.Valid(ev.Raw) {
					t.Fatalf("raw is not JSON: %s", ev.Raw)
				}
				var asString string
				if format == "xml" && (json.Unmarshal(ev.Raw, &asString) != nil || asString != string(plain)) {
					t.Fatalf("raw %s is not the decrypted xml", ev.Raw)
				}
				if format == "json" && !bytes.Equal(ev.Raw, plain) {
					t.Fatalf("raw %s is not the decrypted json", ev.Raw)
				}
			}
			out, err := json.MarshalIndent(events, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := filepath.Join("testdata", "parse", name+"."+format+".golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("events differ from %s:\n%s", golden, out)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures", n)
	}
}

// A redelivered callback (WeCom retries three times) carries the same
// event id, whichever nonce and timestamp it is signed with.
func TestRedeliverySameEventID(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings())
	snd := newSender(t, wecom.FormatXML)
	for _, m := range []wecom.Message{
		snd.Text("u1", "hello", 42, clock),
		snd.CardClick("u1", "tb:confirm:p1", "tb-p1", clock),
	} {
		var ids []string
		for range 2 {
			sg, err := snd.Seal(snd.Encode(m))
			if err != nil {
				t.Fatal(err)
			}
			in, err := src.Parse(context.Background(), request(sg), sg.Body)
			if err != nil || len(in.Events) != 1 {
				t.Fatalf("Parse = %+v, %v", in, err)
			}
			ids = append(ids, in.Events[0].EventID)
		}
		if ids[0] != ids[1] || ids[0] == "" {
			t.Fatalf("ids %q", ids)
		}
	}
}
