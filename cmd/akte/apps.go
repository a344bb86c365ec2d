package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/letter"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Write-only parties (decision 0043): the patient's apps, an app's or
// insurer's push, the insurer's records and letters, the insured's
// activation. The commands only wire; the work is in client and letter.

func appCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{Use: "app", Short: e.Tr("Gesundheitsanwendungen (DiGA) mit Ihrer Akte verbinden und trennen",
		"connect health apps (DiGA) to your record and disconnect them")})
	cmd.AddCommand(appLsCmd(e), appConnectCmd(e), appDisconnectCmd(e), appFingerprintCmd(e))
	return cmd
}

func appLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: e.Tr("die registrierten Apps und Ihre Krankenkasse anzeigen, mit dem, was sie einstellen dürfen", "list the registered apps and your insurer, with what they may add"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			apps, err := c.Apps(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(apps)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KENNUNG\tNAME\tDARF EINSTELLEN IN\tVERBUNDEN\t", "ID\tNAME\tMAY ADD TO\tCONNECTED\t"))
			for _, a := range apps {
				since := "-"
				if a.ConnectedAt != nil {
					since = e.time(*a.ConnectedAt)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", a.ID, a.Name, a.Category, since)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func appConnectCmd(e *env) *cobra.Command {
	var asJSON, yes bool
	cmd := &cobra.Command{
		Use:   "connect APP_ID",
		Short: e.Tr("eine App verbinden: Sie darf Daten in „App-Daten“ einstellen und nichts lesen", "connect an app: it may add data to \"app data\" and read nothing"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			app, err := e.findApp(cmd.Context(), c, args[0])
			if err != nil {
				return e.authErr(st, err)
			}
			fp := seal.Fingerprint(rec.Info.Keys.PublicKey)
			fmt.Fprintf(e.Stderr, e.Tr("%s (%s) möchte sich mit Ihrer Akte verbinden.\n  Darf: Daten (FHIR-Bundles, PDF) in die Kategorie „%s“ einstellen, verschlüsselt für Ihre Akte.\n  Darf nicht: etwas lesen oder auflisten, auch nicht, was sie selbst eingestellt hat.\n  Trennen: jederzeit mit akte app disconnect %s.\n  Geben Sie der App diese Angaben, damit sie nur für Ihre Akte verschlüsselt:\n  Akte %s, Fingerabdruck %s\n",
				"%s (%s) wants to connect to your record.\n  May: add data (FHIR bundles, PDF) to the category \"%s\", encrypted for your record.\n  May not: read or list anything, not even what it added itself.\n  Disconnect: at any time with akte app disconnect %s.\n  Give the app these details, so that it encrypts for your record only:\n  record %s, fingerprint %s\n"),
				app.Name, app.ID, app.Category, app.ID, c.RecordID, fp)
			if !yes {
				if err := e.confirmWord(e.Tr("ja", "yes"), "app_connect_not_confirmed"); err != nil {
					return err
				}
			}
			a, err := c.ConnectApp(cmd.Context(), app.ID)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"app": a, "record_id": c.RecordID, "record_fingerprint": fp})
			}
			e.Printf(e.Tr("%s ist verbunden. Akte %s, Fingerabdruck %s\n", "%s is connected. Record %s, fingerprint %s\n"), a.Name, c.RecordID, fp)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, e.Tr("ohne Rückfrage verbinden (für Skripte; die Erklärung wird trotzdem gezeigt)", "connect without asking (for scripts; the explanation is shown all the same)"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// findApp finds an app (or the insurer) of the listing by id.
func (e *env) findApp(ctx context.Context, c *client.API, id string) (*wire.App, error) {
	apps, err := c.Apps(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if a.ID == id {
			return &a, nil
		}
	}
	return nil, akte.R("app.connect", akte.KindNotFound, "app_not_found", nil, "")
}

func appFingerprintCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "fingerprint",
		Short: e.Tr("Kennung und Fingerabdruck Ihrer Akte zeigen, die Sie einer App oder Ihrer Krankenkasse nennen", "show your record's id and fingerprint, to give to an app or your insurer"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			fp := seal.Fingerprint(rec.Info.Keys.PublicKey)
			if asJSON {
				return e.PrintJSON(map[string]any{"record_id": c.RecordID, "record_fingerprint": fp})
			}
			e.Printf(e.Tr("Akte %s, Fingerabdruck %s\n", "Record %s, fingerprint %s\n"), c.RecordID, fp)
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func appDisconnectCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "disconnect APP_ID",
		Short: e.Tr("eine App (oder die Krankenkasse) trennen: Sie kann nichts mehr einstellen; was sie eingestellt hat, bleibt", "disconnect an app (or the insurer): it can add nothing more; what it added stays"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.DisconnectApp(cmd.Context(), args[0]); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"disconnected": args[0]})
			}
			e.Printf(e.Tr("%s ist getrennt.\n", "%s is disconnected.\n"), args[0])
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// credential is the party's credential: AKTE_CREDENTIAL, or the file of
// --credential-file or AKTE_CREDENTIAL_FILE; never an argument.
func (e *env) credential(file string) (string, error) {
	if file == "" {
		file = e.Getenv("AKTE_CREDENTIAL_FILE")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", cli.Fail(akte.KindInvalid, "credential_missing", nil)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if v := strings.TrimSpace(e.Getenv("AKTE_CREDENTIAL")); v != "" {
		return v, nil
	}
	return "", cli.Fail(akte.KindInvalid, "credential_missing", nil)
}

// partyAPI is a client of the server with the party's credential.
func (e *env) partyAPI(file string) (*client.API, string, error) {
	cred, err := e.credential(file)
	if err != nil {
		return nil, "", err
	}
	c := e.api(nil)
	c.Token = cred
	return c, cred, nil
}

func pushCmd(e *env) *cobra.Command {
	var credFile, category, fingerprint, title string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "push FILE --record ID [--category C] [--fingerprint FP]",
		Short: e.Tr("als App oder Krankenkasse ein FHIR-Bundle oder PDF in eine Akte einstellen (nur schreibend)", "as an app or insurer, add a FHIR bundle or PDF to a record (write only)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, cred, err := e.partyAPI(credFile)
			if err != nil {
				return err
			}
			if c.RecordID == "" {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--record"})
			}
			if category == "" {
				category = map[bool]string{true: "billing", false: "apps"}[strings.HasPrefix(cred, "akp_ins_")]
			}
			home, err := e.home()
			if err != nil {
				return err
			}
			pins, err := client.LoadPins(home)
			if err != nil {
				return err
			}
			kr, err := c.VerifyRecordKey(cmd.Context(), pins, fingerprint)
			if err != nil {
				return err
			}
			if err := pins.Save(); err != nil {
				return err
			}
			m := core.Meta{Title: title, FileName: filepath.Base(args[0])}
			if m.Title == "" {
				m.Title = m.FileName
			}
			f, err := e.file(args[0], category, m, "")
			if err != nil {
				return err
			}
			it, err := c.Push(cmd.Context(), kr, f, category, m, client.PushPlans(home, cred))
			if err != nil {
				return cli.InFile(args[0], err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"id": it.ID, "record_id": c.RecordID, "category": category, "record_fingerprint": seal.Fingerprint(kr.RecordPub)})
			}
			e.Printf("%s\n", it.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&credFile, "credential-file", "", e.Tr("Datei mit der Zugangskennung (sonst AKTE_CREDENTIAL)", "file holding the credential (else AKTE_CREDENTIAL)"))
	f.StringVar(&category, "category", "", e.Tr("Kategorie (Vorgabe: apps für Apps, billing für Krankenkassen)", "category (default: apps for apps, billing for insurers)"))
	f.StringVar(&fingerprint, "fingerprint", "", e.Tr("Fingerabdruck der Akte, den die Patientin oder der Patient beim Verbinden sah (beim ersten Mal nötig)",
		"the record's fingerprint the patient saw when connecting (needed the first time)"))
	f.StringVar(&title, "title", "", e.Tr("Titel (Vorgabe: Dateiname)", "title (default: the file name)"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func insurerCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{Use: "insurer", Short: e.Tr("Werkzeuge der Krankenkasse (mit ihrer Zugangskennung)", "the insurer's tools (with its credential)")})
	cmd.AddCommand(insurerOpenRecordCmd(e))
	return cmd
}

func insurerOpenRecordCmd(e *env) *cobra.Command {
	var credFile, kvnr, birth, email, letterPath, name string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "open-record --kvnr K --birthdate YYYY-MM-DD [--email E] --letter FILE.pdf",
		Short: e.Tr("für eine Versicherte oder einen Versicherten eine Akte eröffnen und den Brief mit dem Aktivierungscode schreiben", "open a record for an insured and write the letter with the activation code"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := e.partyAPI(credFile)
			if err != nil {
				return err
			}
			res, err := c.OpenRecordFor(cmd.Context(), wire.OpenRecordRequest{KVNR: kvnr, BirthDate: birth, Email: email})
			if err != nil {
				return err
			}
			out, err := os.OpenFile(letterPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			labels := map[bool]letter.Labels{true: letter.EnglishLabels(), false: letter.GermanLabels()}[e.Lang == "en"]
			a := letter.Activation{Insurer: name, KVNR: strings.ToUpper(kvnr), BirthDate: birth, Code: res.Code, Server: c.Base, ExpiresAt: res.ExpiresAt}
			if err := letter.Write(out, a, labels, time.Now()); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"activation_id": res.ID, "expires_at": res.ExpiresAt, "letter": letterPath})
			}
			e.Printf(e.Tr("Akte eröffnet (%s); der Brief mit dem Aktivierungscode ist %s. Gültig bis %s.\n", "Record opened (%s); the letter with the activation code is %s. Valid until %s.\n"),
				res.ID, letterPath, e.time(res.ExpiresAt))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&credFile, "credential-file", "", e.Tr("Datei mit der Zugangskennung (sonst AKTE_CREDENTIAL)", "file holding the credential (else AKTE_CREDENTIAL)"))
	f.StringVar(&kvnr, "kvnr", "", e.Tr("Krankenversichertennummer", "health insurance number (KVNR)"))
	f.StringVar(&birth, "birthdate", "", e.Tr("Geburtsdatum JJJJ-MM-TT", "date of birth YYYY-MM-DD"))
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse (freiwillig)", "e-mail address (optional)"))
	f.StringVar(&letterPath, "letter", "", e.Tr("der Brief als PDF (nur er enthält den Code)", "the letter as PDF (only it holds the code)"))
	f.StringVar(&name, "insurer-name", "", e.Tr("Name der Krankenkasse im Briefkopf", "the insurer's name in the letterhead"))
	e.jsonFlag(cmd, &asJSON)
	cli.Required(cmd, "kvnr", "birthdate", "letter")
	return cmd
}

func activateCmd(e *env) *cobra.Command {
	var email, kvnr, code, qrPath, deviceName string
	var asJSON, pwStdin, accept bool
	cmd := &cobra.Command{
		Use: "activate --kvnr K --code CODE --email E [--accept]",
		Short: e.Tr("die Akte aktivieren, die Ihre Krankenkasse für Sie eröffnet hat (Code aus dem Brief); weiter wie bei akte register",
			"activate the record your insurer opened for you (code from the letter); goes on like akte register"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := e.state()
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", true)
			if err != nil {
				return err
			}
			if deviceName != "" {
				st.DeviceName = deviceName
			}
			if err := core.CheckPassword(pw, email, kvnr); err != nil {
				return err
			}
			texts, err := client.RequiredTexts(cmd.Context(), e.api(nil), e.Lang)
			if err != nil {
				return err
			}
			consents, err := e.askTexts(texts, accept, asJSON, "consent_required")
			if err != nil {
				return err
			}
			m, err := core.NewMaterial(pw, core.DefaultKDF())
			if err != nil {
				return err
			}
			res, err := e.api(nil).Activate(cmd.Context(), wire.ActivateRequest{Code: code, RegisterRequest: wire.RegisterRequest{
				Email: email, KVNR: kvnr, KDF: m.KDF, LoginSecret: m.LoginSecret,
				RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: st.DeviceID, DeviceName: st.DeviceName, Record: m.Record, Lang: e.Lang,
				Consents: consents, Via: "cli",
			}})
			if err != nil {
				return err
			}
			return e.registered(st, email, m, res, qrPath, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse", "e-mail address"))
	f.StringVar(&kvnr, "kvnr", "", e.Tr("Krankenversichertennummer aus dem Brief", "health insurance number from the letter"))
	f.StringVar(&code, "code", "", e.Tr("Aktivierungscode aus dem Brief (XXXX-XXXX-XXXX)", "activation code from the letter (XXXX-XXXX-XXXX)"))
	f.StringVar(&qrPath, "qr", "", e.Tr("Sicherheitsschlüssel zusätzlich als QR-Code-PNG in diese Datei schreiben", "also write the recovery key as a QR code PNG to this file"))
	f.StringVar(&deviceName, "device-name", "", e.Tr("Name dieses Geräts", "name of this device"))
	f.BoolVar(&accept, "accept", false, e.Tr("der Einwilligung, den Datenschutzhinweisen und den Nutzungsbedingungen ohne Rückfrage zustimmen (sie werden trotzdem gezeigt)",
		"agree to the consent, privacy notice and terms without asking (they are shown all the same)"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &pwStdin)
	cli.Required(cmd, "email", "kvnr", "code")
	return cmd
}

// fileInbox files the inbox items of one's own record under their
// category keys (core.FileInboxItem) after a login, so that category
// grants cover what providers, apps and the insurer added. A failure is
// told, not fatal: the items stay readable to the patient and are filed
// at the next login.
func (e *env) fileInbox(ctx context.Context, c *client.API, st *client.State, umk []byte) []string {
	if st.RecordID == "" {
		return nil
	}
	own := *c
	own.RecordID = st.RecordID
	c = &own
	info, err := c.Record(ctx)
	if err != nil {
		return nil
	}
	rec, err := core.OpenRecord(umk, *info)
	if err != nil {
		return nil
	}
	filed, err := c.FileInbox(ctx, rec)
	if err != nil {
		fmt.Fprintf(e.Stderr, "%s\n", e.Message(err))
	}
	return filed
}
