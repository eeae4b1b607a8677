package sqlite_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
)

// TestOpenErrorsSayWhat: a database that cannot be opened is named, with
// the cause and what to change, not only SQLite's "(14)".
func TestOpenErrorsSayWhat(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		setup    func(dir string) string
		wantAll  []string
		skipRoot bool
	}{
		"a directory": {
			setup:   func(dir string) string { return dir },
			wantAll: []string{"open sqlite database " + "DIR", "it is a directory; storage.dsn must name a file"},
		},
		"parent is a file": {
			setup: func(dir string) string {
				os.WriteFile(filepath.Join(dir, "f"), nil, 0o600)
				return filepath.Join(dir, "f", "tb.db")
			},
			wantAll: []string{"DIR/f/tb.db", "cannot create its directory", "storage.dsn"},
		},
		"read-only directory": {
			setup: func(dir string) string {
				sub := filepath.Join(dir, "ro")
				os.Mkdir(sub, 0o500)
				return filepath.Join(sub, "tb.db")
			},
			wantAll:  []string{"DIR/ro/tb.db", "is not writable by this user", "storage.dsn"},
			skipRoot: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.skipRoot && os.Geteuid() == 0 {
				t.Skip("root writes to read-only directories")
			}
			dir := t.TempDir()
			path := tc.setup(dir)
			s, err := sqlite.Open(t.Context(), path, nil)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", path)
			}
			for _, want := range tc.wantAll {
				want = strings.ReplaceAll(want, "DIR", dir)
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}
