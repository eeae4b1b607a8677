// Package config loads ticketbridge's YAML configuration: ${ENV} and file
// secrets, defaults, and validation whose every problem names the file, the
// line and the field.
//
// # Loading
//
// Load(path) reads the file and runs these steps, collecting every problem
// instead of stopping at the first:
//
//  1. Parse the YAML into goccy/go-yaml's syntax tree. A syntax error is a
//     single Problem at its line.
//  2. Interpolate scalar values in the tree (never keys): ${VAR},
//     ${VAR:-default} (also used when VAR is empty), ${file:PATH} (file
//     contents without trailing newlines; a relative PATH starts at the
//     config file's directory) and $${ for a literal "${". Because this
//     happens after parsing, a secret holding ": ", "#" or quotes cannot
//     change the document's shape, and lines stay where the file has them.
//     A value substituted into an unquoted scalar is still read as a number,
//     boolean or duration where the field wants one.
//  3. Decode the tree into Config strictly: unknown keys (with a "did you
//     mean" hint for near misses) and wrongly typed values are problems at
//     their line and field path. Durations are Go duration strings ("90s",
//     "10m"); a bare number is refused.
//  4. WithDefaults, then Validate. A field that already failed to decode or
//     interpolate is not reported again by validation.
//
// Problems print as "file:line: field: message", one per line, sorted by
// line; field paths look like "routes[1].trigger.confirm_timeout". A missing
// file is an ordinary wrapped error, not a Problem. Parse does the same for
// bytes in hand and takes the environment lookup as a function, for tests.
//
// # Connectors
//
// Sources and sinks share id and type; the rest of each entry belongs to
// its connector, which reads it with Connector.Decode into its own struct,
// strictly and with the same line-accurate problems. Connector.Problem and
// Config.Problem let other packages (rule compilation, the connector
// registries) report a problem at the line of any field path, falling back
// to the nearest parent the file has. Entries built in Go (Default) and
// values added with Connector.Set decode the same way; their problems take
// the line of the field in the file, if any.
//
// # Reference
//
// testdata/full.yaml documents every option with its default.
package config
