package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/wire"
)

func loginCmd(e *env) *cobra.Command {
	var email, totp, deviceName string
	var asJSON, pwStdin, changedElsewhere bool
	cmd := &cobra.Command{
		Use:   "login --email E --totp CODE",
		Short: "Anmelden / log in",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := loadState(e)
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get("Passwort", "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			if deviceName != "" {
				st.DeviceName = deviceName
				if err := saveState(e, st); err != nil {
					return err
				}
			}
			c := e.api(nil)
			var pre wire.PreloginResponse
			if err := c.Do(cmd.Context(), "POST", "/api/v1/prelogin", wire.EmailRequest{Email: email}, &pre); err != nil {
				return err
			}
			// Nothing is derived, and nothing sent, with parameters
			// below the floor or below what this client used last time.
			if err := client.CheckOffered(pre.KDF, st.Seen.kdf(email), changedElsewhere); err != nil {
				if r, _ := akte.ReasonOf(err); r == "kdf_salt_changed" {
					return &akte.Error{Op: "login", Kind: akte.KindCrypto, Err: err,
						Message: akte.MessageOf(err) + " Bestätigen Sie eine solche Änderung mit --password-changed-elsewhere."}
				}
				return err
			}
			pk, ls, err := client.Split(pw, pre.KDF)
			if err != nil {
				return err
			}
			var res wire.LoginResponse
			err = c.Do(cmd.Context(), "POST", "/api/v1/sessions", wire.LoginRequest{
				Email: email, LoginSecret: ls, TOTP: totp, DeviceID: st.DeviceID, DeviceName: st.DeviceName,
			}, &res)
			if err != nil {
				return err
			}
			if err := client.Expect("account", emailKey(email), emailKey(res.Account.Email)); err != nil {
				return err
			}
			umk, err := client.UnlockUMK(pk, res.Keys)
			if err != nil {
				return fmt.Errorf("die Schlüssel Ihres Kontos lassen sich mit diesem Passwort nicht öffnen: %w", err)
			}
			st.Email, st.AccountID, st.Token, st.Keys, st.KDF = res.Account.Email, res.Account.AccountID, res.Token, res.Keys, pre.KDF
			st.Seen.useKDF(email, pre.KDF)
			if err := st.setUMK(res.ClientKey, umk); err != nil {
				return err
			}
			if err := saveState(e, st); err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(map[string]any{"account_id": res.Account.AccountID, "email": res.Account.Email,
					"session_id": res.SessionID, "expires_at": res.ExpiresAt, "device_id": st.DeviceID})
			}
			e.printf("Angemeldet als %s (Gerät %q). Sitzung gültig bis %s.\n", res.Account.Email, st.DeviceName, res.ExpiresAt.Local().Format("02.01.2006 15:04"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "E-Mail-Adresse")
	f.StringVar(&totp, "totp", "", "6-stelliger Code aus der Authenticator-App")
	f.StringVar(&deviceName, "device-name", "", "Name dieses Geräts")
	f.BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	f.BoolVar(&pwStdin, "password-stdin", false, "Passwort als Zeile von der Standardeingabe lesen")
	f.BoolVar(&changedElsewhere, "password-changed-elsewhere", false, "neue Passwort-Parameter annehmen: Sie haben das Passwort auf einem anderen Gerät geändert oder zurückgesetzt")
	cmd.MarkFlagRequired("email")
	cmd.MarkFlagRequired("totp")
	return cmd
}

func logoutCmd(e *env) *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "logout [--all]",
		Short: "Abmelden (--all: auf allen Geräten) / log out (everywhere)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			path := "/api/v1/sessions/current"
			if all {
				path = "/api/v1/sessions"
			}
			err = c.Do(cmd.Context(), "DELETE", path, nil, nil)
			st.forgetSession()
			if serr := saveState(e, st); serr != nil {
				return serr
			}
			if err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(map[string]any{"status": "logged_out", "all": all})
			}
			if all {
				e.printf("Auf allen Geräten abgemeldet.\n")
			} else {
				e.printf("Abgemeldet.\n")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "alle Sitzungen beenden")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

func sessionsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Aktive Sitzungen anzeigen / list active sessions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			var ss []wire.Session
			if err := c.Do(cmd.Context(), "GET", "/api/v1/sessions", nil, &ss); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.printJSON(ss)
			}
			w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SITZUNG\tGERÄT\tBEGONNEN\tZULETZT AKTIV\tADRESSE\t")
			for _, s := range ss {
				cur := ""
				if s.Current {
					cur = "(diese)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.DeviceID, s.CreatedAt.Local().Format("02.01.2006 15:04"),
					s.LastSeenAt.Local().Format("02.01.2006 15:04"), s.ClientAddr, cur)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

func devicesCmd(e *env) *cobra.Command {
	var asJSON bool
	list := func(cmd *cobra.Command, _ []string) error {
		st, c, err := e.session()
		if err != nil {
			return err
		}
		var ds []wire.Device
		if err := c.Do(cmd.Context(), "GET", "/api/v1/devices", nil, &ds); err != nil {
			return e.authErr(st, err)
		}
		if asJSON {
			return e.printJSON(ds)
		}
		w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "GERÄT\tNAME\tSTATUS\tZULETZT GESEHEN\t")
		for _, d := range ds {
			status := "bestätigt"
			switch {
			case d.BlockedAt != nil:
				status = "gesperrt"
			case d.ConfirmedAt == nil:
				status = "unbestätigt"
			}
			if d.Current {
				status += " (dieses)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", d.ID, d.Name, status, d.LastSeenAt.Local().Format("02.01.2006 15:04"))
		}
		return w.Flush()
	}
	cmd := &cobra.Command{
		Use:   "devices [rename ID NAME | block ID]",
		Short: "Geräte anzeigen, umbenennen, sperren / list, rename, block devices",
		Args:  cobra.NoArgs,
		RunE:  list,
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	change := func(use, short string, nargs int, do func(cmd *cobra.Command, c *clientAPI, args []string) (*wire.Device, error)) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(nargs),
			RunE: func(cmd *cobra.Command, args []string) error {
				st, c, err := e.session()
				if err != nil {
					return err
				}
				d, err := do(cmd, c, args)
				if err != nil {
					return e.authErr(st, err)
				}
				if err := client.Expect("device", args[0], d.ID); err != nil {
					return err
				}
				if asJSON {
					return e.printJSON(d)
				}
				e.printf("Gerät %s (%s): erledigt.\n", d.ID, d.Name)
				return nil
			},
		}
	}
	cmd.AddCommand(
		change("rename ID NAME", "Gerät umbenennen", 2, func(cmd *cobra.Command, c *clientAPI, args []string) (*wire.Device, error) {
			var d wire.Device
			err := c.Do(cmd.Context(), "PATCH", "/api/v1/devices/"+pathEscape(args[0]), wire.RenameDeviceRequest{Name: args[1]}, &d)
			return &d, err
		}),
		change("block ID", "Gerät sperren (beendet seine Sitzungen)", 1, func(cmd *cobra.Command, c *clientAPI, args []string) (*wire.Device, error) {
			var d wire.Device
			err := c.Do(cmd.Context(), "POST", "/api/v1/devices/"+pathEscape(args[0])+"/block", nil, &d)
			return &d, err
		}),
	)
	return cmd
}
