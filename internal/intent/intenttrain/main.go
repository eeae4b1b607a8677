// Command intenttrain trains the intent model from a labelled JSONL corpus
// (text, label "problem" or "not") and writes it for embedding. It is run
// by `go generate ./internal/intent`; with -cv it cross-validates on the
// corpus instead (by the corpus's groups) and writes nothing.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/intent"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

// row is one corpus line with its rule-pack evidence.
type row struct {
	intent.Example
	lang, kind, group string
	fold              uint32
}

func main() {
	corpus := flag.String("corpus", "", "labelled JSONL corpus to train on")
	out := flag.String("out", "model.bin", "model file to write")
	cv := flag.Bool("cv", false, "cross-validate instead of writing a model")
	misses := flag.Bool("misses", false, "with -cv, list the messages misjudged at 0.5")
	epochs := flag.Int("epochs", 0, "training passes (0: the default)")
	rate := flag.Float64("rate", 0, "learning rate (0: the default)")
	l2 := flag.Float64("l2", 0, "weight decay (0: the default)")
	seed := flag.Uint64("seed", 0, "shuffling seed (0: the default)")
	hiddenUnits := flag.Int("hidden", 0, "hidden units (0: the linear model)")
	hiddenRate := flag.Float64("hidden-rate", 0, "the hidden layer's learning rate (0: the default)")
	initScale := flag.Float64("init", 0, "initial feature vectors uniform in ±init (0: the default)")
	noWide := flag.Bool("no-wide", false, "with -hidden, no linear weights beside the hidden layer")
	dropout := flag.Float64("dropout", 0, "with -hidden, the probability of leaving a feature out of the hidden sum in a training step")
	adam := flag.Bool("adam", false, "with -hidden, train the hidden layer by Adam")
	conceptsOnly := flag.Bool("concepts-only", false, "with -hidden, the hidden layer sees only length, concepts and evidence")
	groups := flag.Float64("groups", 1, "with -cv, the share of base messages (groups) kept, for a learning curve")
	groupsSeed := flag.Uint64("groups-seed", 1, "with -groups, which base messages are kept")
	only := flag.String("only", "", "with -cv, report only on the messages of this JSONL file (e.g. an earlier training part), to compare corpora on the same lines")
	against := flag.String("against", "", "train on the problems and only the non-problems of these kinds (comma-separated): the small-talk model is trained against greeting,thanks,chatter")
	head := flag.String("head", "", "with -cv, also train a model -against these kinds in each fold and report its vetoes at several thresholds")
	headHidden := flag.Int("head-hidden", 0, "with -head, hidden units of the head")
	headEpochs := flag.Int("head-epochs", 0, "with -head, the head's passes")
	headL2 := flag.Float64("head-l2", 0, "with -head, the head's weight decay")
	headExtra := flag.String("head-extra", "", "with -head, a JSONL corpus the head is also trained on in every fold (never scored)")
	flag.Parse()
	rows, err := read(*corpus)
	if err != nil {
		log.Fatal(err)
	}
	opt := intent.TrainOptions{Epochs: *epochs, Rate: *rate, L2: *l2, Seed: *seed,
		Hidden: *hiddenUnits, HiddenRate: *hiddenRate, Init: *initScale, NoWide: *noWide, Dropout: *dropout, Adam: *adam, ConceptsOnly: *conceptsOnly}
	rows = againstKinds(rows, *against)
	if *cv {
		rows = someGroups(rows, *groups, *groupsSeed)
		var keep map[string]bool
		if *only != "" {
			rs, err := read(*only)
			if err != nil {
				log.Fatal(err)
			}
			keep = make(map[string]bool, len(rs))
			for _, r := range rs {
				keep[r.Text] = true
			}
		}
		hopt := opt
		hopt.Hidden, hopt.Epochs, hopt.L2 = *headHidden, *headEpochs, *headL2
		var extra []row
		if *headExtra != "" {
			if extra, err = read(*headExtra); err != nil {
				log.Fatal(err)
			}
		}
		crossValidate(os.Stdout, rows, opt, hopt, *misses, keep, *head, extra)
		return
	}
	examples := examplesOf(rows)
	m := intent.Train(examples, opt)
	if err := os.WriteFile(*out, m.Encode(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("trained on %d messages, wrote %s\n", len(examples), *out)
}

func read(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []row
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var l struct{ Text, Label, Lang, Kind, Group string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		switch l.Label {
		case "problem", "not":
		default:
			return nil, fmt.Errorf("%s:%d: label %q is neither problem nor not", path, n, l.Label)
		}
		h := fnv.New32a()
		h.Write([]byte(l.Group))
		out = append(out, row{
			Example: intent.Example{Text: l.Text, Evidence: rules.Evidence(l.Text), Problem: l.Label == "problem"},
			lang:    l.Lang, kind: l.Kind, group: l.Group, fold: h.Sum32() % 5,
		})
	}
	return out, sc.Err()
}

// examplesOf is the rows as the trainer takes them.
func examplesOf(rows []row) []intent.Example {
	out := make([]intent.Example, len(rows))
	for i, r := range rows {
		out[i] = r.Example
	}
	return out
}

// againstKinds keeps the problems and the non-problems of the listed
// kinds (comma-separated); an empty list keeps every row.
func againstKinds(rows []row, kinds string) []row {
	if kinds == "" {
		return rows
	}
	keep := make(map[string]bool)
	for _, k := range strings.Split(kinds, ",") {
		keep[strings.TrimSpace(k)] = true
	}
	var out []row
	for _, r := range rows {
		if r.Problem || keep[r.kind] {
			out = append(out, r)
		}
	}
	return out
}

// someGroups keeps the rows of about share of the base messages, chosen by
// a hash of seed and group, so that every variant of a kept message stays
// and the same seed keeps the same messages at every share up to it.
func someGroups(rows []row, share float64, seed uint64) []row {
	if share >= 1 {
		return rows
	}
	var out []row
	for _, r := range rows {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d/%s", seed, r.group)
		if float64(h.Sum64()%10000) < share*10000 {
			out = append(out, r)
		}
	}
	return out
}
