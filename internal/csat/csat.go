// Package csat reads and words customer-satisfaction surveys: the ask,
// and an answer typed as a number ("4", "5 thanks!", "3分 有点慢").
package csat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scale is the survey's scale: 1 (very dissatisfied) to 5 (very
// satisfied).
const Scale = 5

// Answer reads a typed answer: a score 1–5 first (full-width digits too),
// then optionally "分", "星", "/5" or punctuation, then the comment. ok is
// false for anything else, such as "15 minutes late".
func Answer(text string) (score int, comment string, ok bool) {
	s := strings.TrimSpace(text)
	r, size := utf8.DecodeRuneInString(s)
	if r >= '１' && r <= '５' {
		r -= '１' - '1'
	}
	if r < '1' || r > '0'+Scale {
		return 0, "", false
	}
	score, s = int(r-'0'), s[size:]
	if next, _ := utf8.DecodeRuneInString(s); unicode.IsDigit(next) || unicode.IsLetter(next) && !isScoreUnit(next) {
		return 0, "", false
	}
	s = strings.TrimPrefix(s, "/"+fmt.Sprint(Scale))
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return isScoreUnit(r) || unicode.IsSpace(r) || unicode.IsPunct(r)
	})
	return score, strings.TrimSpace(s), true
}

func isScoreUnit(r rune) bool { return r == '分' || r == '星' || r == '★' || r == '⭐' }

// Question is the ask as text, for platforms without buttons and as the
// buttons' fallback: the route's question and how to answer.
func Question(question, ticket string) string {
	if question == "" {
		question = "How satisfied are you with how we handled " + ticket + "?"
	}
	return question + "\nReply with a number from 1 (very dissatisfied) to 5 (very satisfied), and a comment if you like."
}

// Note is what an answer writes on the ticket.
func Note(score int, comment string) string {
	n := fmt.Sprintf("Customer satisfaction: %d/%d %s", score, Scale, strings.Repeat("★", score)+strings.Repeat("☆", Scale-score))
	if comment != "" {
		n += "\nComment: " + comment
	}
	return n
}
