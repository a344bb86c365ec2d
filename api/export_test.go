package api

import (
	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// Patterns are the routes as registered, in order (for tests outside the
// package).
func (a *API) Patterns() []string { return a.patterns }

// RecordRoutes is recordRoutes.
func RecordRoutes() map[string]service.Action { return recordRoutes }

// StatusOf is the HTTP status of an error kind.
func StatusOf(k akte.Kind) int { return statusOf[k] }
