package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/internal/qr"
	"github.com/akte/akte/wire"
)

// clientCmds are the commands a patient runs against a server.
func clientCmds(e *env) []*cobra.Command {
	return []*cobra.Command{
		registerCmd(e), verifyEmailCmd(e), loginCmd(e), logoutCmd(e), whoamiCmd(e), languageCmd(e),
		sessionsCmd(e), devicesCmd(e), recoveryKeyCmd(e), keysCmd(e), passwordCmd(e), authenticatorCmd(e), emailCmd(e), passkeyCmd(e),
		recordsCmd(e), providerCmd(e), representativeCmd(e), uploadCmd(e), importCDCmd(e), exportCmd(e), importCmd(e), accountCmd(e), lsCmd(e), getCmd(e), editCmd(e), rmCmd(e), quotaCmd(e), auditCmd(e),
		entryCmd(e), servicesCmd(e), medplanCmd(e), emergencyCmd(e), statusCmd(e, "vaccinations", client.VaccinationStatus), statusCmd(e, "checkups", client.CheckupStatus), doctorsCmd(e), donateCmd(e),
		grantCmd(e), hideCmd(e, true), hideCmd(e, false), blockCmd(e, true), blockCmd(e, false), consentCmd(e), restrictCmd(e), shareCmd(e),
		appCmd(e), pushCmd(e), insurerCmd(e), activateCmd(e),
	}
}

// home is the client's directory: AKTE_HOME, else akte in the user's
// configuration directory.
func (e *env) home() (string, error) {
	if h := e.Getenv("AKTE_HOME"); h != "" {
		return h, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", cli.Fail(akte.KindInvalid, "home_unknown", nil)
	}
	return filepath.Join(d, "akte"), nil
}

// uploadPlans keeps the plans of unfinished uploads under the client's
// home, sealed under the user master key, so that an upload resumes when
// the same command runs again.
func (e *env) uploadPlans(umk []byte) (client.DirPlans, error) {
	home, err := e.home()
	if err != nil {
		return client.DirPlans{}, err
	}
	return client.DirPlans{Dir: filepath.Join(home, "uploads"), UMK: umk}, nil
}

// state loads the client's state.
func (e *env) state() (*client.State, error) {
	h, err := e.home()
	if err != nil {
		return nil, err
	}
	name := "akte CLI"
	if host, _ := os.Hostname(); host != "" {
		name = e.Tr("akte CLI auf ", "akte CLI on ") + host
	}
	return client.LoadState(h, name)
}

func (e *env) save(st *client.State) error {
	h, err := e.home()
	if err != nil {
		return err
	}
	return st.Save(h)
}

// api returns a client of AKTE_SERVER with the state's session, if any,
// addressing the record of --record or else one's own; AKTE_RETRIES sets
// how often a failed transfer request is retried.
func (e *env) api(st *client.State) *client.API {
	server := e.Getenv("AKTE_SERVER")
	if server == "" {
		server = "http://localhost:8080"
	}
	c := client.NewAPI(server)
	if st != nil {
		c.Token, c.RecordID = st.Token, st.RecordID
	}
	if e.record != "" {
		c.RecordID = e.record
	}
	fmt.Sscanf(e.Getenv("AKTE_RETRIES"), "%d", &c.Retry.Tries)
	c.Now = cli.TestClock(e.Getenv("AKTE_TEST_CLOCK_FILE"))
	return c
}

// session loads the state and requires a session.
func (e *env) session() (*client.State, *client.API, error) {
	st, err := e.state()
	if err != nil {
		return nil, nil, err
	}
	if st.Token == "" {
		return nil, nil, cli.Fail(akte.KindUnauthenticated, "not_logged_in", nil)
	}
	return st, e.api(st), nil
}

// recordSession is session for a command that addresses a record
// (--record, else one's own). A session opened before the client kept
// its record's id learns it from the account.
func (e *env) recordSession(ctx context.Context) (*client.State, *client.API, error) {
	st, c, err := e.session()
	if err != nil || st.RecordID != "" {
		return st, c, err
	}
	a, err := c.Account(ctx)
	if err != nil {
		return nil, nil, e.authErr(st, err)
	}
	if err := st.ExpectAccount(a); err != nil {
		return nil, nil, err
	}
	st.RecordID = a.RecordID
	return st, e.api(st), e.save(st)
}

// authErr forgets a dead session locally so the next command says so
// plainly.
func (e *env) authErr(st *client.State, err error) error {
	if akte.Is(err, akte.KindUnauthenticated) && st != nil && st.Token != "" {
		st.ForgetSession()
		e.save(st)
	}
	return err
}

// unlockUMK opens the user master key with the session's key, or else
// with the password (docs/decisions/0019-cli-key-escrow.md).
func (e *env) unlockUMK(ctx context.Context, st *client.State, c *client.API) ([]byte, akte.KeyBundle, error) {
	umk, keys, err := st.Unlock(ctx, c, client.Shares{Getenv: e.Getenv}, func() (string, error) {
		return e.secrets(e.pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
	})
	return umk, keys, e.authErr(st, err)
}

// openRecord loads the session, the user master key and the opened
// record, checked against the key versions this client has seen.
func (e *env) openRecord(ctx context.Context) (*client.State, *client.API, []byte, *core.Record, error) {
	st, c, err := e.recordSession(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	umk, keys, err := e.unlockUMK(ctx, st, c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	info, err := c.Record(ctx)
	if err != nil {
		return nil, nil, nil, nil, e.authErr(st, err)
	}
	rec, err := openRecordAs(umk, keys, c.RecordID != st.RecordID, info)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if changed, err := st.Seen.CheckKeyVersions(rec); err != nil || !changed {
		return st, c, umk, rec, err
	}
	return st, c, umk, rec, e.save(st)
}

// openRecordAs opens one's own record with the user master key, or a
// represented one (--record) with the account's private key
// (decision 0036).
func openRecordAs(umk []byte, keys akte.KeyBundle, represented bool, info *wire.Record) (*core.Record, error) {
	if !represented {
		return core.OpenRecord(umk, *info)
	}
	priv, err := core.AccountPrivateKey(umk, keys)
	if err != nil {
		return nil, err
	}
	return core.OpenRepresentedRecord(priv, *info)
}

// bar returns a progress bar on stderr if stderr is a terminal, else nil.
func (e *env) bar(total int64, what string) *progressbar.ProgressBar {
	f, ok := e.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription(what), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
}

// showRecoveryKey prints the grouped text and a terminal QR code, and
// writes a PNG if asked.
func (e *env) showRecoveryKey(text, pngPath string) error {
	e.Printf("\n%s\n\n    %s\n\n", e.Tr("Ihr persönlicher Sicherheitsschlüssel:", "Your personal recovery key:"), text)
	q, err := qr.Encode(text)
	if err != nil {
		return err
	}
	e.Printf("%s\n", q.Text())
	e.Printf("%s\n", e.Tr("Drucken Sie ihn aus oder bewahren Sie ihn außerhalb dieses Geräts auf. Ohne ihn kann niemand Ihre Daten\n"+
		"wiederherstellen, wenn Sie Ihr Passwort vergessen – auch nicht der Betreiber.",
		"Print it or keep it outside this device. Without it nobody can restore your data if you forget your password,\n"+
			"not even the operator."))
	if pngPath != "" {
		if err := cli.WriteQR(text, pngPath); err != nil {
			return err
		}
		e.Printf(e.Tr("QR-Code gespeichert: %s\n", "QR code saved: %s\n"), pngPath)
	}
	return nil
}

// printRecoveryKey shows a recovery key as showRecoveryKey does or, with
// --json, as the recovery_key of out (writing the PNG if asked too).
func (e *env) printRecoveryKey(asJSON bool, text, pngPath string, out map[string]string) error {
	if !asJSON {
		return e.showRecoveryKey(text, pngPath)
	}
	if pngPath != "" {
		if err := cli.WriteQR(text, pngPath); err != nil {
			return err
		}
	}
	out["recovery_key"] = text
	return e.PrintJSON(out)
}

// time formats a point in time in the local zone and the language's style.
func (e *env) time(t time.Time) string {
	return t.Local().Format(e.Tr("02.01.2006 15:04", "2006-01-02 15:04"))
}
