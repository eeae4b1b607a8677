// Package buildinfo says which build of ticketbridge is running, from what
// the Go toolchain records in the binary (module version and VCS stamp).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Info is one build's identity; unknown parts are "unknown" (a `go run`
// or a build outside a git checkout records no commit).
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Modified  bool   `json:"modified"`
	BuildDate string `json:"build_date"`
	GoVersion string `json:"go_version"`
}

const unknown = "unknown"

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: unknown, Commit: unknown, BuildDate: unknown, GoVersion: runtime.Version()}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts an Info from what the toolchain recorded.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Version: bi.Main.Version, Commit: unknown, BuildDate: unknown, GoVersion: bi.GoVersion}
	// A build from the work tree is "(devel)": no release tag applies.
	if in.Version == "" || in.Version == "(devel)" {
		in.Version = "devel"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Commit = s.Value
		case "vcs.time":
			in.BuildDate = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	if in.GoVersion == "" {
		in.GoVersion = runtime.Version()
	}
	return in
}

// ShortCommit is the first 12 characters of the commit.
func (in Info) ShortCommit() string {
	if len(in.Commit) > 12 {
		return in.Commit[:12]
	}
	return in.Commit
}

// String is the one-line form `ticketbridge --version` prints.
func (in Info) String() string {
	dirty := ""
	if in.Modified {
		dirty = "+modified"
	}
	return fmt.Sprintf("%s (commit %s%s, built from a tree dated %s, %s)", in.Version, in.ShortCommit(), dirty, in.BuildDate, in.GoVersion)
}
