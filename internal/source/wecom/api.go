package wecom

import "github.com/ticketbridge/ticketbridge/internal/wxwork"

// errTaskIDExists is message/send's "task_id already used" (a card's).
const errTaskIDExists = 42014

// The API client (access token, errcode answers, media/get) is
// internal/wxwork's, shared with the wecom_kf source.

func truncate(s string, n int) string { return wxwork.Truncate(s, n) }
