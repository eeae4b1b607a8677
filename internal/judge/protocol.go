package judge

import (
	"encoding/json"
	"fmt"
	"strings"
)

// prompt tells the judge what a problem is, in the terms the corpus in
// eval/intent was labelled with.
const prompt = `You triage customer-support chat for a help desk. Decide whether the customer's message reports a problem that needs a support ticket: something wrong or missing with an order, a payment, an account, an app, a game or a call or stream; a request to fix, refund, replace, unblock or escalate; a complaint; or a follow-up on an unsolved problem.
Not a problem: greetings, thanks, small talk, jokes and sarcasm, questions about features or policies, questions already answered, problems the customer says are solved, problems they say they do not have, and problem words used harmlessly. Small talk includes mishaps with things this company did not sell or run (the weather, the commute, a landlord, one's own devices, another shop), one's habits and plans, and details given because the agent asked for them (an order number, a date of birth, a size).
The message may be in Chinese or English. Personal data in it is masked.
Answer with JSON only: {"problem": true or false, "reason": "a few words"}`

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string    `json:"model"`
	Messages    []message `json:"messages"`
	Temperature float64   `json:"temperature"`
	MaxTokens   int       `json:"max_tokens"`
}

func request(model, text string) chatRequest {
	return chatRequest{Model: model, Temperature: 0, MaxTokens: 80, Messages: []message{
		{Role: "system", Content: prompt},
		{Role: "user", Content: text},
	}}
}

type chatResponse struct {
	Choices []struct {
		Message message `json:"message"`
	} `json:"choices"`
}

// parse reads the verdict out of a chat-completions response. Models wrap
// JSON in code fences or add words around it; the first {…} in the
// content is taken. Anything else is ErrAnswer.
func parse(raw []byte) (Verdict, error) {
	var resp chatResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		return Verdict{}, fmt.Errorf("%w: %w", ErrAnswer, err)
	}
	if len(resp.Choices) == 0 {
		return Verdict{}, fmt.Errorf("%w: no choices", ErrAnswer)
	}
	content := resp.Choices[0].Message.Content
	i, k := strings.IndexByte(content, '{'), strings.LastIndexByte(content, '}')
	if i < 0 || k < i {
		return Verdict{}, fmt.Errorf("%w: no JSON object in the content", ErrAnswer)
	}
	var v struct {
		Problem *bool  `json:"problem"`
		Reason  string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(content[i:k+1]), &v); err != nil {
		return Verdict{}, fmt.Errorf("%w: %w", ErrAnswer, err)
	}
	if v.Problem == nil {
		return Verdict{}, fmt.Errorf("%w: no \"problem\" field", ErrAnswer)
	}
	return Verdict{Problem: *v.Problem, Reason: v.Reason}, nil
}
