package api

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/akte/akte/audit"
	amail "github.com/akte/akte/mail"
)

type noMailbox struct{}

func (noMailbox) List() ([]amail.Entry, error) { return nil, nil }
func (noMailbox) Read(string) ([]byte, error)  { return nil, nil }

// TestRoutesAudited fails when a route of the API as served (with the
// development routes) has no audit mapping, or a mapping names a route
// that is not served: every request is recorded under its route's
// operation, or the mapping says why it is not (audit.Routes).
func TestRoutesAudited(t *testing.T) {
	a := New(Options{Mailbox: noMailbox{}})
	mapped := audit.Routes()
	served := map[string]bool{}
	for _, pattern := range a.patterns {
		served[pattern] = true
		ra, ok := mapped[pattern]
		switch {
		case !ok:
			t.Errorf("route %q has no audit mapping (audit.Routes)", pattern)
		case ra.Op == "" && ra.Why == "":
			t.Errorf("route %q: neither an operation nor why it is not audited", pattern)
		case ra.Op != "":
			if _, known := ra.Op.Info(); !known {
				t.Errorf("route %q maps to the unknown operation %s", pattern, ra.Op)
			}
		}
		// The mux serves a request of the pattern under that pattern.
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "GET", pattern
		}
		path = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(path, "x")
		if _, got := a.mux.Handler(httptest.NewRequest(method, path, nil)); got != pattern {
			t.Errorf("%s %s is served as %q, not %q", method, path, got, pattern)
		}
	}
	if len(served) < 40 {
		t.Fatalf("only %d routes registered", len(served))
	}
	for pattern := range mapped {
		if !served[pattern] {
			t.Errorf("audit.Routes maps %q, which the API does not serve", pattern)
		}
	}
}
