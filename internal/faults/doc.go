// Package faults holds fault-injection and scale-out tests that run the
// real ticketbridge binary as child processes against loadgen's fake
// ticket system and chat: kill -9 soaks on SQLite and PostgreSQL, a sink
// outage, a 429 storm, a PostgreSQL restart and three replicas sharing
// one schema.
//
// The tests are slow (minutes) and skip unless TICKETBRIDGE_FAULTS=1; see
// docs/faults.md for how to run them and what each one proves.
package faults
