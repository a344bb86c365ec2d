package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/wire"
)

func loginCmd(e *env) *cobra.Command {
	var email, totp, deviceName string
	var asJSON, pwStdin, changedElsewhere, accept bool
	cmd := &cobra.Command{
		Use:   "login --email E --totp CODE [--accept]",
		Short: e.Tr("Anmelden", "Log in"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := e.state()
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			if deviceName != "" {
				st.DeviceName = deviceName
				if err := e.save(st); err != nil {
					return err
				}
			}
			c := e.api(nil)
			pre, err := c.Prelogin(cmd.Context(), wire.EmailRequest{Email: email})
			if err != nil {
				return err
			}
			// Nothing is derived, and nothing sent, with parameters
			// below the floor or below what this client used last time.
			if err := core.CheckOffered(pre.KDF, st.Seen.KDF(email), changedElsewhere); err != nil {
				if r, _ := akte.ReasonOf(err); r == "kdf_salt_changed" {
					fmt.Fprintln(e.Stderr, e.Tr("Bestätigen Sie eine solche Änderung mit --password-changed-elsewhere.",
						"Confirm such a change with --password-changed-elsewhere."))
				}
				return err
			}
			pk, ls, err := core.Split(pw, pre.KDF)
			if err != nil {
				return err
			}
			share, device := client.NewSessionKeys()
			res, err := c.Login(cmd.Context(), wire.LoginRequest{
				Email: email, LoginSecret: ls, TOTP: totp, DeviceID: st.DeviceID, DeviceName: st.DeviceName, DeviceSecret: st.DeviceSecret,
				DeviceKey: device.Public().(ed25519.PublicKey),
			})
			if err != nil {
				return err
			}
			if err := core.Expect("account", client.EmailKey(email), client.EmailKey(res.Account.Email)); err != nil {
				return err
			}
			umk, err := core.UnlockUMK(pk, res.Keys)
			if err != nil {
				return err
			}
			st.Email, st.AccountID, st.Token, st.Keys, st.KDF = res.Account.Email, res.Account.AccountID, res.Token, res.Keys, pre.KDF
			st.RecordID = res.Account.RecordID
			st.SessionID, st.DeviceKey, c.Token = res.SessionID, device, res.Token
			st.Seen.UseKDF(email, pre.KDF)
			st.DeviceSecret = res.DeviceSecret
			session, err := st.Seal(cmd.Context(), c, client.Shares{Getenv: e.Getenv}, share, umk)
			if err != nil {
				st.ForgetSession()
			}
			if err := errors.Join(err, e.save(st)); err != nil {
				return err
			}
			if err := e.askDue(cmd.Context(), c, res.ConsentsDue, accept, asJSON); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"account_id": res.Account.AccountID, "email": res.Account.Email,
					"session_id": res.SessionID, "expires_at": res.ExpiresAt, "device_id": st.DeviceID, "session": session})
			}
			// Without a keyring, standard output is the one line for
			// eval "$(akte login ...)"; the rest goes to standard error.
			info := map[bool]io.Writer{true: e.Stdout, false: e.Stderr}[session == ""]
			fmt.Fprintf(info, e.Tr("Angemeldet als %s (Gerät %q). Sitzung gültig bis %s.\n", "Logged in as %s (device %q). Session valid until %s.\n"),
				res.Account.Email, st.DeviceName, e.time(res.ExpiresAt))
			if session != "" {
				fmt.Fprintln(info, e.Tr("Kein Schlüsselbund erreichbar: Übernehmen Sie den Sitzungsschlüssel in Ihre Shell (eval \"$(akte login …)\"),\n"+
					"sonst fragen die Befehle nach dem Passwort.", "No keyring reachable: take the session key into your shell (eval \"$(akte login …)\"),\n"+
					"else the commands ask for the password."))
				e.Printf("export %s=%s\n", client.SessionEnv, session)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse", "e-mail address"))
	f.StringVar(&totp, "totp", "", e.Tr("6-stelliger Code aus der Authenticator-App", "6-digit code from the authenticator app"))
	f.StringVar(&deviceName, "device-name", "", e.Tr("Name dieses Geräts", "name of this device"))
	f.BoolVar(&accept, "accept", false, e.Tr("neuen Fassungen der Einwilligung, Datenschutzhinweise und Nutzungsbedingungen ohne Rückfrage zustimmen (sie werden trotzdem gezeigt)",
		"agree to new versions of the consent, privacy notice and terms without asking (they are shown all the same)"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &pwStdin)
	f.BoolVar(&changedElsewhere, "password-changed-elsewhere", false, e.Tr(
		"neue Passwort-Parameter annehmen: Sie haben das Passwort auf einem anderen Gerät geändert oder zurückgesetzt",
		"accept new password parameters: you changed or reset the password on another device"))
	cli.Required(cmd, "email", "totp")
	return cmd
}

func logoutCmd(e *env) *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "logout [--all]",
		Short: e.Tr("Abmelden (--all: auf allen Geräten)", "Log out (--all: everywhere)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			if all {
				err = c.LogoutAll(cmd.Context())
			} else {
				err = c.Logout(cmd.Context())
			}
			client.Shares{Getenv: e.Getenv}.Drop(st)
			st.ForgetSession()
			if serr := e.save(st); serr != nil {
				return serr
			}
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"status": "logged_out", "all": all})
			}
			if all {
				e.Printf("%s\n", e.Tr("Auf allen Geräten abgemeldet.", "Logged out on every device."))
			} else {
				e.Printf("%s\n", e.Tr("Abgemeldet.", "Logged out."))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, e.Tr("alle Sitzungen beenden", "end every session"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func sessionsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: e.Tr("Aktive Sitzungen anzeigen", "List active sessions"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			ss, err := c.Sessions(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(ss)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("SITZUNG\tGERÄT\tBEGONNEN\tZULETZT AKTIV\tADRESSE\t", "SESSION\tDEVICE\tSTARTED\tLAST ACTIVE\tADDRESS\t"))
			for _, s := range ss {
				cur := ""
				if s.Current {
					cur = e.Tr("(diese)", "(this one)")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.DeviceID, e.time(s.CreatedAt), e.time(s.LastSeenAt), s.ClientAddr, cur)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func devicesCmd(e *env) *cobra.Command {
	var asJSON bool
	list := func(cmd *cobra.Command, _ []string) error {
		st, c, err := e.session()
		if err != nil {
			return err
		}
		ds, err := c.Devices(cmd.Context())
		if err != nil {
			return e.authErr(st, err)
		}
		if asJSON {
			return e.PrintJSON(ds)
		}
		w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, e.Tr("GERÄT\tNAME\tSTATUS\tZULETZT GESEHEN\t", "DEVICE\tNAME\tSTATE\tLAST SEEN\t"))
		for _, d := range ds {
			status := e.Tr("bestätigt", "confirmed")
			switch {
			case d.BlockedAt != nil:
				status = e.Tr("gesperrt", "blocked")
			case d.ConfirmedAt == nil:
				status = e.Tr("unbestätigt", "unconfirmed")
			}
			if d.Current {
				status += e.Tr(" (dieses)", " (this one)")
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", d.ID, d.Name, status, e.time(d.LastSeenAt))
		}
		return w.Flush()
	}
	cmd := &cobra.Command{
		Use:   "devices [rename ID NAME | block ID]",
		Short: e.Tr("Geräte anzeigen, umbenennen, sperren", "List, rename and block devices"),
		Args:  cli.NoArgs,
		RunE:  list,
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, e.Tr("Ausgabe als JSON", "JSON output"))
	change := func(use, short string, nargs int, do func(cmd *cobra.Command, c *client.API, args []string) (*wire.Device, error)) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cli.ExactArgs(nargs),
			RunE: func(cmd *cobra.Command, args []string) error {
				st, c, err := e.session()
				if err != nil {
					return err
				}
				d, err := do(cmd, c, args)
				if err != nil {
					return e.authErr(st, err)
				}
				if err := core.Expect("device", args[0], d.ID); err != nil {
					return err
				}
				if asJSON {
					return e.PrintJSON(d)
				}
				e.Printf(e.Tr("Gerät %s (%s): erledigt.\n", "Device %s (%s): done.\n"), d.ID, d.Name)
				return nil
			},
		}
	}
	cmd.AddCommand(
		change("rename ID NAME", e.Tr("Gerät umbenennen", "Rename a device"), 2, func(cmd *cobra.Command, c *client.API, args []string) (*wire.Device, error) {
			return c.RenameDevice(cmd.Context(), args[0], wire.RenameDeviceRequest{Name: args[1]})
		}),
		change("block ID", e.Tr("Gerät sperren (beendet seine Sitzungen)", "Block a device (ends its sessions)"), 1, func(cmd *cobra.Command, c *client.API, args []string) (*wire.Device, error) {
			return c.BlockDevice(cmd.Context(), args[0])
		}),
	)
	return cmd
}
