package zammad

// Ticket is a ticket as the API answers it.
type Ticket struct {
	ID          int      `json:"id"`
	Number      string   `json:"number"`
	Title       string   `json:"title"`
	GroupID     int      `json:"group_id,omitempty"`
	StateID     int      `json:"state_id,omitempty"`
	State       string   `json:"state,omitempty"` // with expand=true, and in webhooks
	PriorityID  int      `json:"priority_id,omitempty"`
	CustomerID  int      `json:"customer_id,omitempty"`
	CreatedByID int      `json:"created_by_id,omitempty"`
	UpdatedAt   string   `json:"updated_at,omitempty"`
	Tags        []string `json:"tags,omitempty"`
}

// ArticleAttachment is a file on an article; Zammad gives its size as a
// string.
type ArticleAttachment struct {
	ID       int    `json:"id"`
	Filename string `json:"filename"`
	Size     string `json:"size"`
}

// Article is a ticket article.
type Article struct {
	ID          int                 `json:"id"`
	TicketID    int                 `json:"ticket_id"`
	Body        string              `json:"body"`
	Internal    bool                `json:"internal"`
	Type        string              `json:"type,omitempty"`
	Sender      string              `json:"sender,omitempty"`
	CreatedByID int                 `json:"created_by_id,omitempty"`
	CreatedBy   string              `json:"created_by,omitempty"` // login, with expand=true
	From        string              `json:"from,omitempty"`
	Attachments []ArticleAttachment `json:"attachments,omitempty"`
}

// State is a ticket state.
type State struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// User is GET /api/v1/users/me.
type User struct {
	ID    int    `json:"id"`
	Login string `json:"login"`
	Email string `json:"email"`
}

// Webhook is the default payload of a trigger's webhook.
type Webhook struct {
	Ticket  *WebhookTicket  `json:"ticket"`
	Article *WebhookArticle `json:"article,omitempty"`
}

// WebhookTicket is the ticket in a webhook, with names expanded.
type WebhookTicket struct {
	ID        int      `json:"id"`
	Number    string   `json:"number"`
	Title     string   `json:"title"`
	State     string   `json:"state"`
	Owner     any      `json:"owner,omitempty"`
	UpdatedAt string   `json:"updated_at"`
	Tags      []string `json:"tags,omitempty"`
}

// WebhookArticle is the article that fired the trigger.
type WebhookArticle struct {
	ID          int    `json:"id"`
	Body        string `json:"body"`
	Internal    bool   `json:"internal"`
	Sender      string `json:"sender"`
	CreatedByID int    `json:"created_by_id"`
	CreatedBy   *struct {
		Login     string `json:"login"`
		Firstname string `json:"firstname"`
		Lastname  string `json:"lastname"`
	} `json:"created_by,omitempty"`
}

// Webhook headers.
const (
	HeaderSignature = "X-Hub-Signature"
	HeaderDelivery  = "X-Zammad-Delivery"
	HeaderTrigger   = "X-Zammad-Trigger"
)
