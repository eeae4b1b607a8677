package linear

import "encoding/json"

// Request is a GraphQL request.
type Request struct {
	OperationName string         `json:"operationName"`
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// Response is a GraphQL answer.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []GraphQLError  `json:"errors,omitempty"`
}

// GraphQLError is one error of an answer.
type GraphQLError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code                   string `json:"code"`
		UserPresentableMessage string `json:"userPresentableMessage,omitempty"`
	} `json:"extensions"`
}

// State is a workflow state; type is triage, backlog, unstarted,
// started, completed or canceled.
type State struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Issue is the part of an issue the sink reads.
type Issue struct {
	ID          string `json:"id"`
	Identifier  string `json:"identifier"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	State       State  `json:"state"`
}

// UploadFile is fileUpload's answer: where to PUT the bytes.
type UploadFile struct {
	UploadURL string `json:"uploadUrl"`
	AssetURL  string `json:"assetUrl"`
	Headers   []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
}

// Webhook is a data change webhook's body.
type Webhook struct {
	Action           string          `json:"action"` // create, update, remove
	Type             string          `json:"type"`   // Issue, Comment, …
	Data             json.RawMessage `json:"data"`
	UpdatedFrom      map[string]any  `json:"updatedFrom,omitempty"`
	URL              string          `json:"url"`
	WebhookTimestamp int64           `json:"webhookTimestamp"`
	Actor            *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"actor,omitempty"`
}

// WebhookIssue is the data of an Issue webhook.
type WebhookIssue struct {
	Issue
	StateID  string `json:"stateId"`
	Assignee *struct {
		Name string `json:"name"`
	} `json:"assignee,omitempty"`
}

// WebhookComment is the data of a Comment webhook.
type WebhookComment struct {
	ID      string `json:"id"`
	Body    string `json:"body"`
	IssueID string `json:"issueId"`
	UserID  string `json:"userId"`
	User    *struct {
		Name string `json:"name"`
	} `json:"user,omitempty"`
	Issue *Issue `json:"issue,omitempty"`
}

// Webhook headers.
const (
	HeaderSignature = "Linear-Signature"
	HeaderDelivery  = "Linear-Delivery"
	HeaderEvent     = "Linear-Event"
)

// MarkerPrefix starts the description line carrying our external id.
const MarkerPrefix = "ticketbridge-id: "
