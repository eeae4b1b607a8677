// Package starter writes commented starter configurations for the
// platforms a user names (`ticketbridge init slack jira`): every entry a
// connector needs, secrets read from environment variables, and one route
// joining the chats to the first ticket system.
package starter

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Names lists the platforms init knows, sources first.
func Names() (sources, sinks []string) {
	for name, p := range platforms {
		if p.sink {
			sinks = append(sinks, name)
		} else {
			sources = append(sources, name)
		}
	}
	sort.Strings(sources)
	sort.Strings(sinks)
	return sources, sinks
}

// adminVar is read by every starter configuration.
var adminVar = Var{"TB_ADMIN_TOKEN", "a random string of 16 characters or more: the admin API's bearer token (openssl rand -hex 24)",
	"0123456789abcdef0123456789abcdef"}

// Config returns the starter configuration for names, in any order and
// mix of chats and ticket systems, and the variables it reads. Without a
// chat it uses the generic source; without a ticket system, the local desk.
func Config(names []string) (string, []Var, error) {
	var srcs, sinks []string
	for _, n := range names {
		n = strings.ToLower(n)
		p, ok := platforms[n]
		if !ok {
			s, k := Names()
			return "", nil, fmt.Errorf("unknown platform %q (chats: %s; ticket systems: %s)", n,
				strings.Join(s, ", "), strings.Join(k, ", "))
		}
		list := &srcs
		if p.sink {
			list = &sinks
		}
		if !slices.Contains(*list, n) {
			*list = append(*list, n)
		}
	}
	if len(srcs) == 0 {
		srcs = []string{"generic"}
	}
	if len(sinks) == 0 {
		sinks = []string{"local"}
	}
	vars := []Var{adminVar}
	var b strings.Builder
	fmt.Fprintf(&b, "# ticketbridge: %s → %s. Written by `ticketbridge init %s`.\n",
		strings.Join(srcs, ", "), strings.Join(sinks, ", "), strings.Join(append(slices.Clone(srcs), sinks...), " "))
	b.WriteString("# Secrets and addresses come from the environment (a variable that is not set\n" +
		"# is reported by name). Lines marked \"change\" need your own value. Then:\n" +
		"#   ticketbridge config check FILE && ticketbridge doctor --config FILE\n" +
		"#   ticketbridge serve --config FILE\n#\n# Environment variables:\n")
	for _, n := range append(slices.Clone(srcs), sinks...) {
		vars = appendNew(vars, platforms[n].vars...)
	}
	for _, v := range vars {
		fmt.Fprintf(&b, "#   %-26s %s\n", v.Name, v.Help)
	}
	b.WriteString(`server:
  listen: 127.0.0.1:8080              # put a TLS proxy in front, or see server.tls in the README
storage:
  driver: sqlite                      # or postgres, with dsn: postgres://…
  dsn: ./data/ticketbridge.db
admin:
  tokens:
    - {name: ops, token: "${TB_ADMIN_TOKEN}", scopes: [admin]}
sources:`)
	for _, n := range srcs {
		b.WriteString(platforms[n].entry)
	}
	b.WriteString("\nsinks:")
	for _, n := range sinks {
		b.WriteString(platforms[n].entry)
	}
	ids := make([]string, len(srcs))
	for i, n := range srcs {
		ids[i] = connectorID(platforms[n].entry)
	}
	fmt.Fprintf(&b, `
routes:
  - name: support
    sources: [%s]
    sink: %s
    trigger:
      rule_pack: default              # the built-in complaint and request rules
      # detector: both                # the rules and the built-in intent model (docs/detection.md)
      # judge:                        # and an LLM asked about the messages the model is unsure of
      #   url: https://llm.example.com/v1   # change: any OpenAI-compatible API (vLLM, Ollama, DeepSeek, Qwen)
      #   model: your-model
      #   api_key: ${LLM_API_KEY}
      confirm: true                   # the bot asks "Shall I open a ticket?" first
      command: ticket                 # /ticket opens one at once
`, strings.Join(ids, ", "), connectorID(platforms[sinks[0]].entry))
	for _, n := range sinks[1:] {
		fmt.Fprintf(&b, "  # %s gets no tickets until a route names it (sink: %s).\n", n, connectorID(platforms[n].entry))
	}
	return b.String(), vars, nil
}

func appendNew(vars []Var, more ...Var) []Var {
	for _, v := range more {
		if !slices.ContainsFunc(vars, func(w Var) bool { return w.Name == v.Name }) {
			vars = append(vars, v)
		}
	}
	return vars
}

// connectorID reads the id an entry declares.
func connectorID(entry string) string {
	_, rest, _ := strings.Cut(entry, "- id: ")
	id, _, _ := strings.Cut(rest, " ")
	return strings.TrimSpace(id)
}

// Examples maps every variable a starter configuration may read to a value
// of the right shape; tests check the configurations with them.
func Examples() map[string]string {
	out := map[string]string{adminVar.Name: adminVar.Example}
	for _, p := range platforms {
		for _, v := range p.vars {
			out[v.Name] = v.Example
		}
	}
	return out
}
