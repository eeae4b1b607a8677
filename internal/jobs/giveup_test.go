package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

func TestGiveUpLogsOnce(t *testing.T) {
	t.Parallel()
	boom := errors.New("sink answered 503")
	tests := map[string]struct {
		err               error
		attempt, max      int
		wantLine, wantWhy string
	}{
		"success":         {nil, 5, 5, "", ""},
		"will retry":      {boom, 1, 5, "", ""},
		"out of attempts": {boom, 5, 5, "job given up", "out of attempts"},
		"cancelled":       {river.JobCancel(boom), 1, 5, "job given up", "permanent failure"},
		"snoozed at last": {river.JobSnooze(time.Minute), 5, 5, "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			g := &giveUpLog{log: slog.New(slog.NewTextHandler(&buf, nil))}
			job := &rivertype.JobRow{ID: 7, Kind: KindNotify, Attempt: tc.attempt, MaxAttempts: tc.max}
			err := g.Work(t.Context(), job, func(context.Context) error { return tc.err })
			if !errors.Is(err, tc.err) && err != tc.err {
				t.Errorf("Work returned %v, want the worker's %v", err, tc.err)
			}
			out := buf.String()
			if tc.wantLine == "" {
				if out != "" {
					t.Errorf("logged %q, want nothing", out)
				}
				return
			}
			if strings.Count(out, "\n") != 1 || !strings.Contains(out, tc.wantLine) || !strings.Contains(out, "why=\""+tc.wantWhy+"\"") ||
				!strings.Contains(out, "job_id=7") || !strings.Contains(out, "sink answered 503") {
				t.Errorf("logged %q, want one line with %q and why %q", out, tc.wantLine, tc.wantWhy)
			}
		})
	}
}
