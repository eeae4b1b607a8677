package config

import "fmt"

// Warnings are things a configuration allows but that leave the service
// doing nothing useful: said at `config check` and at start, never fatal.
func (c *Config) Warnings() []string {
	name := c.File
	if name == "" {
		name = "the configuration"
	}
	if len(c.Sources) == 0 && len(c.Sinks) == 0 && len(c.Routes) == 0 {
		return []string{fmt.Sprintf("%s defines no sources, sinks or routes: the server would accept nothing; "+
			"write a starter file with `ticketbridge init SOURCE SINK` (e.g. init slack jira)", name)}
	}
	var out []string
	if len(c.Sources) == 0 {
		out = append(out, fmt.Sprintf("%s: no sources: no chat can reach the server; add one under sources:", name))
	}
	if len(c.Sinks) == 0 {
		out = append(out, fmt.Sprintf("%s: no sinks: no ticket can be opened; add one under sinks:", name))
	}
	if len(c.Routes) == 0 {
		out = append(out, fmt.Sprintf("%s: no routes: chat events are stored but never become tickets; "+
			"add a route joining a source to a sink under routes:", name))
	}
	return out
}
