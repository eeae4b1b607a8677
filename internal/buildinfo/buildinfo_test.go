package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		bi   debug.BuildInfo
		want Info
		str  string
	}{
		"release": {
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-04T15:00:00Z"},
				{Key: "vcs.modified", Value: "false"}}},
			want: Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", BuildDate: "2026-12-04T15:00:00Z", GoVersion: "go1.26.8"},
			str:  "v1.2.3 (commit 0123456789ab, built from a tree dated 2026-12-04T15:00:00Z, go1.26.8)",
		},
		"work tree with changes": {
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			want: Info{Version: "devel", Commit: "abc", Modified: true, BuildDate: "unknown", GoVersion: "go1.26.8"},
			str:  "devel (commit abc+modified, built from a tree dated unknown, go1.26.8)",
		},
		"no vcs stamp": {
			bi:   debug.BuildInfo{GoVersion: "go1.26.8"},
			want: Info{Version: "devel", Commit: "unknown", BuildDate: "unknown", GoVersion: "go1.26.8"},
			str:  "devel (commit unknown, built from a tree dated unknown, go1.26.8)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := FromBuildInfo(&tc.bi)
			if got != tc.want {
				t.Errorf("FromBuildInfo = %+v, want %+v", got, tc.want)
			}
			if got.String() != tc.str {
				t.Errorf("String = %q, want %q", got.String(), tc.str)
			}
		})
	}
}
