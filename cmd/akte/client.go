package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"

	"github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/wire"
)

// clientCmds are the commands a patient runs against a server.
func clientCmds(e *env) []*cobra.Command {
	return []*cobra.Command{
		registerCmd(e), verifyEmailCmd(e), loginCmd(e), logoutCmd(e), whoamiCmd(e),
		sessionsCmd(e), devicesCmd(e), recoveryKeyCmd(e), passwordCmd(e),
		uploadCmd(e), lsCmd(e), getCmd(e), rmCmd(e), quotaCmd(e),
	}
}

func (e *env) api(st *state) *client.API {
	server := e.getenv("AKTE_SERVER")
	if server == "" {
		server = "http://localhost:8080"
	}
	c := client.NewAPI(server)
	if st != nil {
		c.Token = st.Token
	}
	return c
}

// session loads the state and requires a session.
func (e *env) session() (*state, *client.API, error) {
	st, err := loadState(e)
	if err != nil {
		return nil, nil, err
	}
	if st.Token == "" {
		return nil, nil, akte.E("session", akte.KindUnauthenticated, "Nicht angemeldet. Bitte zuerst: akte login --email E --totp CODE", nil)
	}
	return st, e.api(st), nil
}

// authErr forgets a dead session locally so the next command says so
// plainly.
func (e *env) authErr(st *state, err error) error {
	if akte.Is(err, akte.KindUnauthenticated) && st != nil && st.Token != "" {
		st.forgetSession()
		saveState(e, st)
	}
	return err
}

func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (e *env) printf(format string, args ...any) { fmt.Fprintf(e.stdout, format, args...) }

// unlockUMK opens the user master key through the session's escrowed key.
func (e *env) unlockUMK(ctx context.Context, st *state, c *client.API) ([]byte, *wire.KeysResponse, error) {
	var keys wire.KeysResponse
	if err := c.Do(ctx, "GET", "/api/v1/account/keys", nil, &keys); err != nil {
		return nil, nil, e.authErr(st, err)
	}
	umk, err := st.umk(keys.ClientKey)
	if err != nil {
		return nil, nil, err
	}
	return umk, &keys, nil
}

// showRecoveryKey prints the grouped text and a terminal QR code, and
// writes a PNG if asked.
func (e *env) showRecoveryKey(text, pngPath string) error {
	e.printf("\nIhr persönlicher Sicherheitsschlüssel / your personal recovery key:\n\n    %s\n\n", text)
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return err
	}
	e.printf("%s\n", q.ToSmallString(false))
	e.printf("Drucken Sie ihn aus oder bewahren Sie ihn außerhalb dieses Geräts auf. Ohne ihn kann niemand Ihre Daten\n" +
		"wiederherstellen, wenn Sie Ihr Passwort vergessen – auch nicht der Betreiber.\n" +
		"Print it or keep it outside this device. Without it nobody can restore your data if you forget your password.\n")
	if pngPath != "" {
		if err := writeQR(text, pngPath); err != nil {
			return err
		}
		e.printf("QR-Code gespeichert: %s\n", pngPath)
	}
	return nil
}

// writeQR writes the recovery key as a QR code PNG readable by the owner
// only (the qrcode package would create it 0644).
func writeQR(text, path string) error {
	png, err := qrcode.Encode(text, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write QR code: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // a file that existed keeps its mode otherwise
		f.Close()
		return fmt.Errorf("write QR code: %w", err)
	}
	if _, err := f.Write(png); err != nil {
		f.Close()
		return fmt.Errorf("write QR code: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write QR code: %w", err)
	}
	return nil
}

type clientAPI = client.API

func pathEscape(s string) string { return url.PathEscape(s) }
