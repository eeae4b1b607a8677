package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/redact"
)

func redactCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "redact",
		Short: "Mask personal data in text read on stdin; one output line per input line",
		Long: `Reads text on stdin and writes it with phone numbers, ID-card numbers, bank
cards, e-mail addresses, landlines, international numbers and any --pattern
masked, one output line per input line. It runs the redaction code the server
runs on everything it sends to a ticket system and logs.

--mode partial keeps what identifies a value to a person (138****5678),
full replaces it with its kind ([PHONE]), drop removes it.
--json writes {"text": masked, "spans": [{kind, start, end, text}]} per line;
start and end are byte offsets into the input line, and text is the
unmasked value, so treat that output as sensitive.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			modeName, _ := f.GetString("mode")
			mode, err := redact.ParseMode(modeName)
			if err != nil {
				return err
			}
			asJSON, _ := f.GetBool("json")
			patterns, _ := f.GetStringArray("pattern")
			custom, err := parsePatterns(patterns)
			if err != nil {
				return err
			}
			r, err := redact.New(custom)
			if err != nil {
				return err
			}
			return redactStream(r, redact.Policy{Default: mode}, asJSON, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().String("mode", string(redact.Partial), "partial, full or drop")
	cmd.Flags().Bool("json", false, "write a JSON object with the masked text and the spans found per line")
	cmd.Flags().StringArray("pattern", nil, "a custom pattern NAME=REGEXP (repeatable)")
	return cmd
}

// parsePatterns reads --pattern NAME=REGEXP values.
func parsePatterns(vals []string) ([]redact.Custom, error) {
	custom := make([]redact.Custom, 0, len(vals))
	for _, v := range vals {
		name, pattern, ok := strings.Cut(v, "=")
		if !ok {
			return nil, fmt.Errorf("--pattern %q: want NAME=REGEXP", v)
		}
		custom = append(custom, redact.Custom{Name: name, Pattern: pattern})
	}
	return custom, nil
}

// redactLine is one line of --json output.
type redactLine struct {
	Text  string        `json:"text"`
	Spans []redact.Span `json:"spans"`
}

// redactStream masks in line by line. Lines may be of any length; a final
// line without a newline gets one; "\r\n" endings become "\n".
func redactStream(r *redact.Redactor, p redact.Policy, asJSON bool, in io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriter(out)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // keep <, > and & readable in chat text
	for {
		line, rerr := br.ReadString('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("read input: %w", rerr)
		}
		if line == "" && rerr != nil {
			break
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		masked := r.Mask(line, p)
		var werr error
		if asJSON {
			spans := r.Find(line)
			if spans == nil {
				spans = []redact.Span{}
			}
			werr = enc.Encode(redactLine{Text: masked, Spans: spans})
		} else {
			_, werr = fmt.Fprintln(bw, masked)
		}
		if werr != nil {
			return fmt.Errorf("write output: %w", werr)
		}
		// Flush when no more input is waiting, so that an interactive
		// session sees each line at once while a pipe is written in bulk.
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		if rerr != nil {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
