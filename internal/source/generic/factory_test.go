package generic_test

import "github.com/ticketbridge/ticketbridge/internal/config"

func configConnector() config.Connector { return config.Connector{ID: "chat1", Type: "generic"} }
