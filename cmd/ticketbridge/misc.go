package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

func printDevBanner(cmd *cobra.Command, cfg *config.Config, addr string) {
	out := cmd.ErrOrStderr()
	fmt.Fprintf(out, "ticketbridge is running on the embedded default (SQLite in %s, local desk).\n", dataDir)
	for _, s := range cfg.Sources {
		var secret struct {
			Secret string `yaml:"secret"`
		}
		_ = s.Decode(&secret)
		fmt.Fprintf(out, "  chat webhook:  POST http://%s/hooks/im/%s\n", addr, s.ID)
		fmt.Fprintf(out, "  its secret:    %s   (development only; kept in %s/dev-secret)\n", secret.Secret, dataDir)
	}
	for _, t := range cfg.Admin.Tokens {
		fmt.Fprintf(out, "  admin token:   %s   (kept in %s/dev-admin-token)\n", t.Token, dataDir)
	}
	fmt.Fprintf(out, "  try:           ticketbridge send --text 'I was charged twice for my order'\n")
	fmt.Fprintf(out, "  then:          ticketbridge chat tail   (the bot's answers), ticketbridge desk list\n")
}

func joinErr(errs ...error) error { return errors.Join(errs...) }

func configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with configuration files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Report every problem in a configuration file as file:line: field: message",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			var ps config.Problems
			if err != nil && !errors.As(err, &ps) {
				return err
			}
			if cfg != nil {
				// Building connectors, compiling templates and asking
				// the ticket systems about the mapping find problems the
				// loader cannot; report them together.
				more, warnings := app.CheckRemote(cmd.Context(), cfg)
				ps = ps.Merge(more)
				warnings = append(cfg.Warnings(), warnings...)
				for _, w := range warnings {
					fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
				}
			}
			if len(ps) > 0 {
				return reportProblems(cmd, ps)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d sources, %d sinks, %d routes)\n", args[0], len(cfg.Sources), len(cfg.Sinks), len(cfg.Routes))
			return nil
		},
	})
	return cmd
}

func reportProblems(cmd *cobra.Command, ps config.Problems) error {
	for _, p := range ps {
		fmt.Fprintln(cmd.OutOrStdout(), p.String())
	}
	return fmt.Errorf("%d problem(s) in the configuration", len(ps))
}

func rulesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Try the routing rules"}
	eval := &cobra.Command{
		Use:   "eval",
		Short: "Read JSON lines {text, conversation, sender} on stdin; write one decision per line",
		Long: `Reads JSON lines such as {"text":"I was charged twice","conversation":"c1","sender":"u1"}
and writes one JSON line per input line, in order, with decision (none|propose|create|append),
route and rule. It runs the same rules code the server runs and changes nothing.
Without --config it uses the default rule pack.

With --labels FILE it reads a labelled corpus instead (eval/intent/heldout.jsonl), runs each
line as a new conversation's first message and prints precision, recall and F1, overall and
per language, the false alarms per 1,000 messages, and every miss. With --judge it also asks
the routes' LLM judges (trigger.judge in --config) about the lines the model is unsure of, as
the server does, and says how their questions ended.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cfg *config.Config
			path, _ := cmd.Flags().GetString("config")
			if path != "" {
				c, err := config.Load(path)
				if err != nil {
					return problemsToStderr(cmd, err)
				}
				cfg = c
			} else {
				cfg = config.Default(dataDir)
			}
			if err := overrideDetector(cmd, cfg); err != nil {
				return err
			}
			engine, ferrs := rules.Compile(cfg.Routes)
			if len(ferrs) > 0 {
				var ps config.Problems
				for _, fe := range ferrs {
					ps = append(ps, cfg.Problem(fe.Field, fe.Message))
				}
				// stdout is the decision stream; problems go beside it.
				return problemsToStderr(cmd, ps)
			}
			if labels, _ := cmd.Flags().GetString("labels"); labels != "" {
				return evalLabels(cmd, cfg, engine, labels)
			}
			if ask, _ := cmd.Flags().GetBool("judge"); ask {
				return errors.New("--judge works with --labels: the decision stream does not ask the judge")
			}
			preview, _ := cmd.Flags().GetBool("preview")
			return rules.EvalStreamWith(engine, cmd.InOrStdin(), cmd.OutOrStdout(), rules.EvalOptions{Now: time.Now, Preview: preview})
		},
	}
	addConfigFlag(eval)
	eval.Flags().Bool("preview", false, "add to each create the ticket it would open (title, description, fields), as the server maps it")
	eval.Flags().String("labels", "", "a labelled JSONL corpus ({text, lang, label: problem|not}): print precision, recall, F1 and the misses")
	eval.Flags().String("detector", "", "override every route's trigger.detector (keywords, model, both)")
	eval.Flags().Float64("threshold", 0, "override every route's trigger.threshold")
	eval.Flags().Float64("bare-threshold", 0, "override every route's trigger.bare_threshold")
	eval.Flags().Float64("small-talk-veto", 0, "override every route's trigger.small_talk_veto (0.0001 turns the veto off)")
	eval.Flags().Bool("judge", false, "with --labels, ask each route's trigger.judge about the unsure lines as the server does, and report its questions")
	cmd.AddCommand(eval)
	return cmd
}
