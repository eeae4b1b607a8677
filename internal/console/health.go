package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/health"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// spans are the health page's ranges and the step of each.
var spans = map[string]struct{ span, step time.Duration }{
	"6h": {6 * time.Hour, time.Minute},
	"2d": {48 * time.Hour, 10 * time.Minute},
	"7d": {7 * 24 * time.Hour, time.Hour},
}

// Chart size in SVG user units; the SVG scales to the page's width.
const (
	chartW = 600.0
	chartH = 160.0
)

type chart struct {
	Key   string // message key of the title
	Max   string // the top of the y axis, with its unit
	Lines []chartLine
	From  string
	To    string
	Empty bool
}

type chartLine struct {
	Class  string
	Label  string
	Points string // an SVG polyline's points
	Last   string
}

type healthView struct {
	Range  string
	Ranges []string
	Charts []chart
}

// value turns a step's totals into the charted figure.
type value func(p store.HealthPoint) float64

func ratio(p store.HealthPoint) float64 { return 100 * p.Sum / p.Count }
func mean(p store.HealthPoint) float64  { return p.Sum / p.Count }

func (c *Console) healthPage(w http.ResponseWriter, r *http.Request, s *session) {
	hs, ok := c.Store.(store.Health)
	if !ok {
		c.fail(w, r, s, http.StatusNotFound, "err.nohealth")
		return
	}
	rng := r.URL.Query().Get("range")
	if _, ok := spans[rng]; !ok {
		rng = "6h"
	}
	sp := spans[rng]
	to := c.now().Truncate(sp.step).Add(sp.step)
	from := to.Add(-sp.span)
	v := healthView{Range: rng, Ranges: []string{"6h", "2d", "7d"}}
	for _, def := range []struct {
		key    string
		unit   string
		series []string
		labels []string
		f      value
		fixMax float64
	}{
		{"health.create", "%", []string{health.SeriesCreate}, []string{""}, ratio, 100},
		{"health.latency", "s", []string{health.SeriesEventToTicket, health.SeriesTicketToChat},
			[]string{"health.e2t", "health.t2c"}, mean, 0},
		{"health.sinkerr", "%", []string{health.SeriesSinkErrors}, []string{""}, ratio, 100},
		{"health.depth", "", []string{health.SeriesQueueDepth}, []string{""}, mean, 0},
	} {
		ch, err := drawChart(r.Context(), hs, def.series, def.labels, def.f, def.fixMax, def.unit, from, to, sp.step)
		if err != nil {
			c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
			return
		}
		ch.Key = def.key
		v.Charts = append(v.Charts, ch)
	}
	c.render(w, r, http.StatusOK, "health.html", s, v)
}

func drawChart(ctx context.Context, hs store.Health, series, labels []string, f value, fixMax float64, unit string,
	from, to time.Time, step time.Duration) (chart, error) {
	ch := chart{From: from.UTC().Format("01-02 15:04"), To: to.UTC().Format("01-02 15:04"), Empty: true}
	data := make([][]store.HealthPoint, len(series))
	top := fixMax
	for i, name := range series {
		pts, err := hs.HealthRange(ctx, name, from, to, step)
		if err != nil {
			return ch, err
		}
		data[i] = pts
		for _, p := range pts {
			if p.Count > 0 {
				ch.Empty = false
				if fixMax == 0 {
					top = max(top, f(p))
				}
			}
		}
	}
	if top <= 0 {
		top = 1
	}
	ch.Max = strconv.FormatFloat(top, 'g', 3, 64) + unit
	span := to.Sub(from).Seconds()
	for i, pts := range data {
		var b strings.Builder
		line := chartLine{Class: "l" + strconv.Itoa(i), Label: labels[i]}
		for _, p := range pts {
			if p.Count <= 0 {
				continue
			}
			y := f(p)
			fmt.Fprintf(&b, "%.1f,%.1f ", chartW*p.At.Sub(from).Seconds()/span, chartH-chartH*y/top)
			line.Last = strconv.FormatFloat(y, 'g', 3, 64) + unit
		}
		line.Points = strings.TrimSpace(b.String())
		ch.Lines = append(ch.Lines, line)
	}
	return ch, nil
}
