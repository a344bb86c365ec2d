package client_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/akte/akte/client"
)

// TestShares: the local share goes to the keyring where one answers and
// comes back from it, else it is handed to the shell and read from
// AKTE_SESSION; a keyring that fails, or is turned off, is passed over.
// (The real keyring stands in for an in-memory one: the test machines
// have none.)
func TestShares(t *testing.T) {
	st := &client.State{DeviceID: "DEV1"}
	share := bytes.Repeat([]byte{9}, 32)
	env := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}
	s := client.Shares{Getenv: func(k string) string { return env[k] }}

	keyring.MockInit()
	if v := s.Keep(st, share); v != "" {
		t.Fatalf("with a keyring the share went to the shell: %q", v)
	}
	if got := s.Find(st); len(got) != 1 || !bytes.Equal(got[0], share) {
		t.Fatalf("the keyring's share: %x", got)
	}
	if got := s.Find(&client.State{DeviceID: "DEV2"}); len(got) != 0 {
		t.Fatalf("another installation found %x", got)
	}
	s.Drop(st)
	if got := s.Find(st); len(got) != 0 {
		t.Fatalf("after Drop: %x", got)
	}

	for _, c := range []struct {
		name  string
		setup func()
	}{
		{"a failing keyring", func() { keyring.MockInitWithError(errors.New("locked")) }},
		{"AKTE_KEYRING=off", func() { keyring.MockInit(); env["AKTE_KEYRING"] = "off" }},
		{"no session bus", func() { keyring.MockInit(); delete(env, "AKTE_KEYRING"); delete(env, "DBUS_SESSION_BUS_ADDRESS") }},
	} {
		name := c.name
		c.setup()
		v := s.Keep(st, share)
		if v != base64.RawURLEncoding.EncodeToString(share) {
			t.Fatalf("%s: the session value %q", name, v)
		}
		env[client.SessionEnv] = v
		if got := s.Find(st); len(got) != 1 || !bytes.Equal(got[0], share) {
			t.Fatalf("%s: AKTE_SESSION's share: %x", name, got)
		}
		delete(env, client.SessionEnv)
	}
	env[client.SessionEnv] = "not base64!"
	if got := s.Find(st); len(got) != 0 {
		t.Fatalf("a malformed AKTE_SESSION gave %x", got)
	}
}
