package s3

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLimitReader(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in       string
		max      int64
		wantOver bool
	}{
		"no limit":     {in: strings.Repeat("x", 1000), max: 0},
		"under":        {in: "abc", max: 4},
		"exactly":      {in: "abcd", max: 4},
		"one over":     {in: "abcde", max: 4, wantOver: true},
		"far over":     {in: strings.Repeat("x", 1000), max: 10, wantOver: true},
		"empty, limit": {in: "", max: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := strings.NewReader(tt.in)
			lr := &limitReader{r: src, max: tt.max}
			got, err := io.ReadAll(lr)
			if tt.wantOver {
				if !errors.Is(err, errOverLimit) || !lr.over {
					t.Fatalf("err = %v, over = %v; want errOverLimit", err, lr.over)
				}
				// It stops one byte past the limit instead of draining the source.
				if read := int64(len(tt.in)) - int64(src.Len()); read != tt.max+1 {
					t.Fatalf("read %d bytes from the source, want %d", read, tt.max+1)
				}
				return
			}
			if err != nil || string(got) != tt.in || lr.n != int64(len(tt.in)) || lr.over {
				t.Fatalf("got %q, n %d, over %v, err %v", got, lr.n, lr.over, err)
			}
		})
	}
}
