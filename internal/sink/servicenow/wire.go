package servicenow

// Paths of the ServiceNow REST APIs we call.
const (
	pathIncident   = "/api/now/table/incident"
	pathUser       = "/api/now/table/sys_user"
	pathGroup      = "/api/now/table/sys_user_group"
	pathDictionary = "/api/now/table/sys_dictionary"
	pathJournal    = "/api/now/table/sys_journal_field"
	pathAttachment = "/api/now/attachment/file"
	// pathAttachmentMeta lists attachment metadata.
	pathAttachmentMeta = "/api/now/attachment"
)

// Incident state codes of a stock instance.
const (
	StateNew        = "1"
	StateInProgress = "2"
	StateOnHold     = "3"
	StateResolved   = "6"
	StateClosed     = "7"
	StateCanceled   = "8"
)

// defaultStateNames are the labels a stock instance shows for the state
// codes; they are what TicketEvents carry, so the built-in status map
// understands them without configuration.
var defaultStateNames = map[string]string{
	StateNew:        "New",
	StateInProgress: "In Progress",
	StateOnHold:     "On Hold",
	StateResolved:   "Resolved",
	StateClosed:     "Closed",
	StateCanceled:   "Canceled",
}

// Journal elements: comments are customer-visible, work notes internal.
const (
	KindComments  = "comments"
	KindWorkNotes = "work_notes"
)

// Record is one incident row as the Table API returns it with
// sysparm_display_value=false (every value a string).
type Record struct {
	SysID         string `json:"sys_id"`
	Number        string `json:"number"`
	State         string `json:"state,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	UpdatedOn     string `json:"sys_updated_on,omitempty"`
	UpdatedBy     string `json:"sys_updated_by,omitempty"`
	ModCount      string `json:"sys_mod_count,omitempty"`
}

// JournalEntry is one sys_journal_field row: a comment or work note.
type JournalEntry struct {
	SysID     string `json:"sys_id"`
	ElementID string `json:"element_id"`
	Element   string `json:"element"`
	Value     string `json:"value"`
	CreatedBy string `json:"sys_created_by"`
	CreatedOn string `json:"sys_created_on"`
}

// resultOne and resultList are the Table API's envelopes.
type resultOne[T any] struct {
	Result T `json:"result"`
}

type resultList[T any] struct {
	Result []T `json:"result"`
}

// ErrorBody is the Table API's failure answer.
type ErrorBody struct {
	Error struct {
		Message string `json:"message"`
		Detail  string `json:"detail,omitempty"`
	} `json:"error"`
	Status string `json:"status"`
}

// Hook is the JSON the business rule of docs/sinks/servicenow.md posts to
// /hooks/tickets/{sink}. Values are the instance's internal ones (state
// codes, UTC "2006-01-02 15:04:05" times, user_name of the updater).
type Hook struct {
	EventID       string `json:"event_id"`
	SysID         string `json:"sys_id"`
	Number        string `json:"number"`
	CorrelationID string `json:"correlation_id,omitempty"`
	State         string `json:"state,omitempty"`
	PreviousState string `json:"previous_state,omitempty"`
	Comment       string `json:"comment,omitempty"`
	CommentKind   string `json:"comment_kind,omitempty"`
	// AssignedTo is present only when the assignee changed; "" means the
	// incident was unassigned.
	AssignedTo *string `json:"assigned_to,omitempty"`
	UpdatedBy  string  `json:"updated_by,omitempty"`
	UpdatedOn  string  `json:"sys_updated_on,omitempty"`
}

// timeLayout is how the instance writes date-times with display values off.
const timeLayout = "2006-01-02 15:04:05"
