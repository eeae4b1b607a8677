package postgres

import (
	"encoding/json"
	"fmt"
	"time"
)

// ts is a time argument: UTC, and NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// fromTS reads a nullable timestamptz back as UTC.
func fromTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// now is the store's clock for row timestamps.
func now() time.Time { return time.Now().UTC() }

// jsonArg encodes v for a jsonb column; empty values are NULL.
func jsonArg[T any](v T, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// fromJSON decodes a nullable jsonb column into v.
func fromJSON(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	return nil
}

// newID is a random 16-byte hex id for links and proposals.
