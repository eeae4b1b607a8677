package config

// Placeholder until the loader lands: the helper building internal/config
// replaces this file.
type document struct{}

// Decode reads the connector's whole YAML mapping into v (a struct with yaml
// tags; "id" and "type" may be present or not). Unknown keys are problems.
func (c Connector) Decode(v any) error { return nil }
