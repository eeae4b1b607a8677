package feishuhelpdesk

// User is a guest, an agent or a closer on a ticket.
type User struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// CustomizedField is one of a ticket's custom field values.
type CustomizedField struct {
	ID          string `json:"id,omitempty"`
	Value       string `json:"value,omitempty"`
	KeyName     string `json:"key_name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

// Ticket is a helpdesk ticket as the API answers it. Times are in
// milliseconds.
type Ticket struct {
	TicketID         string            `json:"ticket_id"`
	HelpdeskID       string            `json:"helpdesk_id,omitempty"`
	Guest            *User             `json:"guest,omitempty"`
	TicketType       int               `json:"ticket_type,omitempty"`
	Stage            int               `json:"stage,omitempty"`
	Status           int               `json:"status"`
	Solve            int               `json:"solve,omitempty"`
	Channel          int               `json:"channel,omitempty"`
	CreatedAt        int64             `json:"created_at,omitempty"`
	UpdatedAt        int64             `json:"updated_at,omitempty"`
	ChatID           string            `json:"chat_id,omitempty"`
	CustomizedInfo   string            `json:"customized_info,omitempty"`
	Agents           []User            `json:"agents,omitempty"`
	CustomizedFields []CustomizedField `json:"customized_fields,omitempty"`
}

// Channel of tickets made through the API (start_service).
const ChannelOpenAPI = 9

// Solve values.
const (
	SolveNo  = 1
	SolveYes = 2
)

// StartService is the body of start_service (创建服务台对话).
type StartService struct {
	HumanService    bool     `json:"human_service"`
	AppointedAgents []string `json:"appointed_agents,omitempty"`
	OpenID          string   `json:"open_id"`
	CustomizedInfo  string   `json:"customized_info,omitempty"`
}

// TicketList is the data of GET tickets.
type TicketList struct {
	Total   int      `json:"total"`
	Tickets []Ticket `json:"tickets"`
}

// MessageBody is the body of POST tickets/:id/messages: content is the
// text message's JSON document in a string.
type MessageBody struct {
	MsgType string `json:"msg_type"`
	Content string `json:"content"`
}

// TicketMessage is one message of GET tickets/:id/messages.
type TicketMessage struct {
	ID          string `json:"id"`
	MessageID   string `json:"message_id"`
	MessageType string `json:"message_type"`
	CreatedAt   int64  `json:"created_at"`
	Content     string `json:"content"`
	UserName    string `json:"user_name"`
	UserID      string `json:"user_id"`
}

// FieldDef is a ticket field definition (ticket_customized_fields).
type FieldDef struct {
	ID          string `json:"ticket_customized_field_id"`
	KeyName     string `json:"key_name"`
	DisplayName string `json:"display_name"`
	Required    bool   `json:"required"`
	Visible     bool   `json:"visible"`
}

// Event is a decrypted event delivery (schema 2.0), or a challenge.
type Event struct {
	Schema    string       `json:"schema"`
	Header    *EventHeader `json:"header,omitempty"`
	Event     EventBody    `json:"event"`
	Type      string       `json:"type,omitempty"`
	Challenge string       `json:"challenge,omitempty"`
	Token     string       `json:"token,omitempty"`
}

// EventHeader identifies a delivery.
type EventHeader struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	CreateTime string `json:"create_time"`
	Token      string `json:"token"`
	AppID      string `json:"app_id"`
	TenantKey  string `json:"tenant_key"`
}

// EventBody holds the fields of both events this sink reads.
type EventBody struct {
	// helpdesk.ticket.updated_v1
	Object    *Ticket    `json:"object,omitempty"`
	OldObject *OldTicket `json:"old_object,omitempty"`
	// helpdesk.ticket_message.created_v1
	TicketMessageID string    `json:"ticket_message_id,omitempty"`
	MessageID       string    `json:"message_id,omitempty"`
	MsgType         string    `json:"msg_type,omitempty"`
	SenderID        *SenderID `json:"sender_id,omitempty"`
	SenderType      int       `json:"sender_type,omitempty"`
	Text            string    `json:"text,omitempty"`
	Ticket          *Ticket   `json:"ticket,omitempty"`
	ChatID          string    `json:"chat_id,omitempty"`
}

// OldTicket holds only the fields an update changed.
type OldTicket struct {
	Stage     int   `json:"stage,omitempty"`
	Status    int   `json:"status,omitempty"`
	UpdatedAt int64 `json:"updated_at,omitempty"`
}

// SenderID is a message sender's ids.
type SenderID struct {
	OpenID  string `json:"open_id,omitempty"`
	UserID  string `json:"user_id,omitempty"`
	UnionID string `json:"union_id,omitempty"`
}

// Event types this sink reads.
const (
	EventTicketUpdated  = "helpdesk.ticket.updated_v1"
	EventMessageCreated = "helpdesk.ticket_message.created_v1"
)

// Sender types of a ticket message.
const (
	SenderBot   = 1
	SenderGuest = 2
	SenderAgent = 3
)
