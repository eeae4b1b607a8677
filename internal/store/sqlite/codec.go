package sqlite

import (
	"encoding/json"
	"fmt"
	"time"
)

// nanos stores a time as UTC unix nanoseconds; the zero time is 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// now is the store's clock for row timestamps.
func now() time.Time { return time.Now().UTC() }

// jsonText encodes v for a TEXT column; nil and empty values are NULL.
func jsonText[T any](v T, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// fromJSON decodes a nullable TEXT column into v.
func fromJSON(s *string, v any) error {
	if s == nil || *s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(*s), v); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	return nil
}

// newID is a random 16-byte hex id for links and proposals.

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
