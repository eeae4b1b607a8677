// Command judgereplay serves internal/judge/judgereplay on an address, to
// measure the LLM judge with verdicts recorded once: with -record it
// writes every question the judge asks to a file and answers 503 (the
// model's decisions stand); with -answers it answers each question with
// a verdict an LLM gave beforehand. docs/bench/session23/README.md shows
// both with `rules eval --judge`.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/ticketbridge/ticketbridge/internal/judge/judgereplay"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "address to listen on")
	record := flag.String("record", "", "append each new question to this JSONL file and answer 503")
	answers := flag.String("answers", "", "answer from this JSONL file of verdicts")
	flag.Parse()
	if err := run(*addr, *record, *answers); err != nil {
		fmt.Fprintln(os.Stderr, "judgereplay:", err)
		os.Exit(1)
	}
}

func run(addr, record, answers string) error {
	if (record == "") == (answers == "") {
		return errors.New("give exactly one of -record and -answers")
	}
	if record != "" {
		f, err := os.OpenFile(record, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("open the record file: %w", err)
		}
		defer f.Close()
		return http.ListenAndServe(addr, judgereplay.Recorder(f))
	}
	a, err := judgereplay.ReadAnswers(answers)
	if err != nil {
		return err
	}
	return http.ListenAndServe(addr, judgereplay.Replayer(a))
}
