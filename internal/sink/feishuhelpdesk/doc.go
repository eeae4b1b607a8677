// Package feishuhelpdesk is the "feishu_helpdesk" sink: Feishu Helpdesk
// (飞书服务台). A ticket is a service chat started with start_service for
// the requester; ticketbridge finds the ticket it made by a marker line in
// its customized_info (returned only with a ticket's details), writes the
// conversation and public comments into it as ticket messages, reads its
// status, and takes the helpdesk's events (ticket updated, ticket message
// created) at /hooks/tickets/{sink}, Feishu-encrypted and signed
// (internal/larkcrypt), answering the url_verification challenge through
// sink.Challenger. Every helpdesk call carries the tenant_access_token and
// X-Lark-Helpdesk-Authorization: base64(helpdesk_id:helpdesk_token).
// docs/sinks/feishu-helpdesk.md is the full reference.
package feishuhelpdesk
