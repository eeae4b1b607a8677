package config

import (
	"net/url"
	"time"
)

// Detectors a route's trigger may name.
var detectors = []string{"keywords", "model", "both"}

// Judge defaults. The band is how far from the threshold (or from the
// small-talk veto, on a proposal) a score is unsure. 0.25 is the band at
// which an LLM judge took the chatter set to 0 false alarms; at 0.15 it
// left 2 of 1,075 (BENCHMARKS.md, "Deciding, session 23").
const (
	DefaultJudgeTimeout   = 3 * time.Second
	DefaultJudgePerMinute = 60
	DefaultJudgeBand      = 0.25
)

// detector checks the trigger's detector, threshold and judge.
func (v *validator) detector(f string, t Trigger) {
	if t.Detector != "" {
		v.oneOf(f+".detector", t.Detector, detectors)
	}
	if t.Threshold < 0 || t.Threshold >= 1 {
		v.add(f+".threshold", "must be between 0 and 1 (a probability), got %g", t.Threshold)
	}
	if t.Threshold != 0 && (t.Detector == "" || t.Detector == "keywords") {
		v.add(f+".threshold", "applies to the model: set detector to model or both")
	}
	switch {
	case t.BareThreshold < 0 || t.BareThreshold > 1:
		v.add(f+".bare_threshold", "must be between 0 and 1 (a probability), got %g", t.BareThreshold)
	case t.BareThreshold != 0 && (t.Detector == "" || t.Detector == "keywords"):
		v.add(f+".bare_threshold", "applies to the model: set detector to model or both")
	case t.BareThreshold != 0 && t.BareThreshold < max(t.Threshold, 0):
		v.add(f+".bare_threshold", "must not be below threshold (%g), got %g", t.Threshold, t.BareThreshold)
	case t.BareThreshold != 0 && t.Threshold == 0 && t.BareThreshold < 0.7:
		v.add(f+".bare_threshold", "must not be below threshold (0.7 by default), got %g", t.BareThreshold)
	}
	switch {
	case t.SmallTalkVeto < 0 || t.SmallTalkVeto >= 1:
		v.add(f+".small_talk_veto", "must be between 0 and 1 (a probability), got %g", t.SmallTalkVeto)
	case t.SmallTalkVeto != 0 && (t.Detector == "" || t.Detector == "keywords"):
		v.add(f+".small_talk_veto", "applies to the model: set detector to model or both")
	}
	j := t.Judge
	if j == nil {
		return
	}
	jf := f + ".judge"
	if t.Detector == "" || t.Detector == "keywords" {
		v.add(jf, "is asked when the model is unsure: set detector to model or both")
	}
	if j.URL == "" {
		v.add(jf+".url", "is required (an OpenAI-compatible base URL such as http://localhost:11434/v1)")
	} else if u, err := url.Parse(j.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(jf+".url", "%q is not an http(s) URL", j.URL)
	}
	if j.Model == "" {
		v.add(jf+".model", "is required (the model name the endpoint serves)")
	}
	if j.Timeout < 0 {
		v.add(jf+".timeout", "must not be negative")
	}
	if j.PerMinute < 0 {
		v.add(jf+".per_minute", "must not be negative")
	}
	if j.Band < 0 || j.Band >= 0.5 {
		v.add(jf+".band", "must be between 0 and 0.5, got %g", j.Band)
	}
}

func judgeDefaults(j *Judge) {
	if j == nil {
		return
	}
	setDefault(&j.Timeout, DefaultJudgeTimeout)
	setDefault(&j.PerMinute, DefaultJudgePerMinute)
	setDefault(&j.Band, DefaultJudgeBand)
}
