package web

import "testing"

// TestAppPath: the app's pages get the app, files and /.well-known/ do not.
func TestAppPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/index.html": true, "/akte": true, "/dokument/ab3kq2xv7dz5m4wrn6ytc8hpje": true, "/einstellungen": true,
		"/geraet": true, "/registrieren/fortsetzen": true, "/gibt-es-nicht": true,
		"/favicon.ico": false, "/robots.txt": false, "/akte/app.js": false, "/.well-known/change-password": false,
		"/selftest.html": false, "": false,
	} {
		if got := appPath(p); got != want {
			t.Errorf("appPath(%q) = %v, want %v", p, got, want)
		}
	}
}
