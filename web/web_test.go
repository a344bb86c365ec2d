package web

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/akte/akte"
)

// TestAppPage: the app's pages are known by their paths; nothing else is.
func TestAppPage(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/akte": true, "/dokument/ab3kq2xv7dz5m4wrn6ytc8hpje": true, "/einstellungen": true,
		"/geraet": true, "/registrieren/fortsetzen": true, "/anmelden": true,
		"/gibt-es-nicht": false, "/dokument/": false, "/dokument/a/b": false, "/akte/": false, "/metrics": false,
		"/favicon.ico": false, "/.well-known/change-password": false, "": false,
	} {
		if got := appPage(p); got != want {
			t.Errorf("appPage(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestPagesRouted: every page src/pages.json lists is one the app's router
// shows (its route tables name the same path).
func TestPagesRouted(t *testing.T) {
	var list []string
	if err := json.Unmarshal(pagesJSON, &list); err != nil {
		t.Fatal(err)
	}
	app, err := os.ReadFile("src/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if !strings.Contains(string(app), "'"+p+"'") {
			t.Errorf("src/pages.json lists %s, src/app.js routes no such page", p)
		}
	}
}

// TestShippedPortal: the shipped links (src/portal.json) all lead to the
// national health portal, over https, for known categories (decision 0032);
// ParsePortal checks the rest and `akte serve` refuses a bad replacement
// (cmd/akte TestServeConfigAndShutdown).
func TestShippedPortal(t *testing.T) {
	p := DefaultPortal()
	if len(p) == 0 {
		t.Fatal("no links")
	}
	for c, l := range p {
		for _, u := range []string{l.DE, l.EN} {
			if u != "" && !strings.HasPrefix(u, "https://gesund.bund.de/") {
				t.Errorf("%s: %q is not on gesund.bund.de", c, u)
			}
		}
		if l.EN != "" && !strings.HasPrefix(l.EN, "https://gesund.bund.de/en/") {
			t.Errorf("%s: the English page %q is not under /en/", c, l.EN)
		}
	}
}

// TestGrantCategories: the grants pages (src/grants.js) name every
// category a grant may cover by its id and German name, as akte.Categories
// does (a provider cannot read the record that carries them), and never the
// private one.
func TestGrantCategories(t *testing.T) {
	src, err := os.ReadFile("src/grants.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range akte.Categories() {
		entry := "['" + string(c.ID) + "', '" + c.NameDE + "'"
		if c.Grants != strings.Contains(string(src), entry) {
			t.Errorf("src/grants.js: %s listed %v, grantable %v", entry, !c.Grants, c.Grants)
		}
	}
}
