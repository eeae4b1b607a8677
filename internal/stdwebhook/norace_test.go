//go:build !race

package stdwebhook

const raceEnabled = false
