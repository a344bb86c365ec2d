package server

import (
	"context"
	"fmt"
	"log/slog"
	osuser "os/user"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/mail"
	"github.com/akte/akte/service"
)

// adminCmd holds the operator's tools. They run on the server host against
// the same data directory or database as `akte serve`, never see health
// data, and every action is recorded as an event of "operator:NAME".
func adminCmd(e *cli.Env) *cobra.Command {
	cfg := DefaultConfig()
	var operator string
	var asJSON bool
	cmd := cli.Group(&cobra.Command{
		Use:   "admin",
		Short: e.Tr("Werkzeuge des Betreibers (Konten, Sperren, Umzug)", "Operator tools (accounts, blocking, migration)"),
	})
	// withService opens the configured backends for one command.
	withService := func(run func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			if err := cfg.load(cmd, e.Getenv); err != nil {
				return err
			}
			b, err := openBackends(cmd.Context(), cfg, e.Getenv)
			if err != nil {
				return err
			}
			defer b.Close()
			log, err := newLogger(e, "warn")
			if err != nil {
				return err
			}
			if cfg.BaseURL == "" { // as akte serve names itself
				cfg.BaseURL = "http://" + cfg.Addr
			}
			keyPEM, err := auditKeyPEM(cfg)
			if err != nil {
				return err
			}
			sc := serviceConfig(cfg)
			if sc.ConsentTexts, err = service.LoadConsentTexts(cfg.ConsentTexts); err != nil {
				return err
			}
			// The push sender too: admin jobs sends the reminders due
			// as serve would (decision 0051).
			push, err := pushSender(cmd.Context(), cfg, b.store, nil)
			if err != nil {
				return err
			}
			svc := service.New(service.Options{Store: b.store, Blobs: b.blobs, Log: log, Config: sc, AuditKeyPEM: keyPEM,
				Mailer: &lazyMailer{cfg: cfg, log: log}, Push: push})
			name := operator
			if name == "" {
				name = e.Getenv("USER")
				if u, err := osuser.Current(); name == "" && err == nil {
					name = u.Username
				}
			}
			if name == "" {
				return cli.Fail(akte.KindInvalid, "operator_unknown", nil)
			}
			return run(cmd, svc, service.Operator(name), args)
		}
	}
	sub := func(use, short string, nargs int, run func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error) *cobra.Command {
		c := &cobra.Command{Use: use, Short: short, Args: cli.ExactArgs(nargs), RunE: withService(run)}
		cfg.bind(c, e)
		c.Flags().StringVar(&operator, "operator", "", e.Tr("Name des Betreibers, mit der Handlung aufgezeichnet (Standard: $USER)", "name of the operator, recorded with the action (default $USER)"))
		c.Flags().BoolVar(&asJSON, "json", false, e.Tr("Ausgabe als JSON", "JSON output"))
		return c
	}
	printDevice := func(d *akte.Device) error {
		if asJSON {
			return e.PrintJSON(map[string]any{"id": d.ID, "name": d.Name, "blocked": d.BlockedAt != nil, "confirmed": d.ConfirmedAt != nil})
		}
		state := e.Tr("nicht gesperrt", "unblocked")
		if d.BlockedAt != nil {
			state = e.Tr("gesperrt", "blocked")
		}
		e.Printf(e.Tr("Gerät %s (%s): %s\n", "device %s (%s): %s\n"), d.ID, d.Name, state)
		return nil
	}
	printAccount := func(a *akte.Account) error {
		if asJSON {
			return e.PrintJSON(map[string]any{"id": a.ID, "email": a.Email, "blocked": a.BlockedAt != nil})
		}
		state := e.Tr("nicht gesperrt", "unblocked")
		if a.BlockedAt != nil {
			state = e.Tr("gesperrt", "blocked")
		}
		e.Printf(e.Tr("Konto %s (%s): %s\n", "account %s (%s): %s\n"), a.ID, a.Email, state)
		return nil
	}
	kvnr := cli.Group(&cobra.Command{Use: "kvnr", Short: e.Tr("KVNR-Werkzeuge (eine von einem anderen Konto gehaltene KVNR freigeben)", "KVNR tools (release a KVNR held by another account)")})
	kvnr.AddCommand(sub("release KVNR", e.Tr("eine KVNR eines bestätigten Kontos freigeben, nachdem die Identität des Anspruchstellers geprüft ist (das Konto behält alles andere)",
		"release a KVNR held by a confirmed account, after checking the claimant's identity (the account keeps all else)"), 1,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			a, err := svc.AdminReleaseKVNR(cmd.Context(), op, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"kvnr": strings.ToUpper(strings.TrimSpace(args[0])), "released_from": a.ID, "email": a.Email})
			}
			e.Printf(e.Tr("KVNR %s vom Konto %s (%s) freigegeben\n", "KVNR %s released from account %s (%s)\n"), strings.ToUpper(strings.TrimSpace(args[0])), a.ID, a.Email)
			return nil
		}))
	consent := cli.Group(&cobra.Command{Use: "consent", Short: e.Tr("Einwilligungen auf Papier erfassen", "Record consents given on paper")})
	var lang, decision string
	record := sub("record ACCOUNT TEXT", e.Tr("eine auf Papier erteilte oder widerrufene Einwilligung eintragen (die aktuelle Fassung des Textes in --lang; ACCOUNT: Kennung oder E-Mail-Adresse)",
		"record a consent given or withdrawn on paper (the text's current version in --lang; ACCOUNT: id or e-mail address)"), 2,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			c, err := svc.AdminRecordConsent(cmd.Context(), op, args[0], args[1], lang, akte.Decision(decision))
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"id": c.ID, "account_id": c.AccountID, "text": c.Text, "version": c.Version, "lang": c.Lang,
					"hash": c.Hash, "decision": c.Decision, "at": c.At, "via": c.Via})
			}
			e.Printf(e.Tr("%s, Version %d (%s): %s auf Papier, eingetragen für %s\n", "%s, version %d (%s): %s on paper, recorded for %s\n"), c.Text, c.Version, c.Lang, c.Decision, c.AccountID)
			return nil
		})
	record.Flags().StringVar(&lang, "lang", "de", e.Tr("Sprache des unterschriebenen Textes (de, en)", "language of the signed text (de, en)"))
	record.Flags().StringVar(&decision, "decision", "given", e.Tr("given (erteilt) oder withdrawn (widerrufen)", "given or withdrawn"))
	consent.AddCommand(record)
	cmd.AddCommand(migrateCmd(e), kvnr, consent, providerAdminCmd(e, sub, &asJSON), usageAdminCmd(e, sub, &asJSON), backupAdminCmd(e, sub, &asJSON, &cfg),
		partyAdminCmd(e, sub, &asJSON, akte.PartyApp), partyAdminCmd(e, sub, &asJSON, akte.PartyInsurer))
	cmd.AddCommand(
		sub("audit-key", e.Tr("den Prüfschlüssel des Protokolls ausgeben (zum Veröffentlichen; Clients heften ihn an)", "print the protocol's verifier key (to publish; clients pin it)"), 0,
			func(cmd *cobra.Command, svc *service.Service, _ service.Operator, _ []string) error {
				k, err := svc.VerifierKey(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return e.PrintJSON(map[string]string{"key": k})
				}
				e.Printf("%s\n", k)
				return nil
			}),
		sub("accounts", e.Tr("Konten auflisten (keine Gesundheitsdaten)", "list accounts (no health data)"), 0, func(cmd *cobra.Command, svc *service.Service, op service.Operator, _ []string) error {
			as, err := svc.AdminAccounts(cmd.Context(), op)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]map[string]any, 0, len(as))
				for _, a := range as {
					out = append(out, map[string]any{"id": a.ID, "email": a.Email, "confirmed": a.Confirmed, "blocked": a.Blocked, "created_at": a.CreatedAt, "devices": a.Devices})
				}
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KONTO\tE-MAIL\tBESTÄTIGT\tGESPERRT\tGERÄTE\tANGELEGT\t", "ACCOUNT\tE-MAIL\tCONFIRMED\tBLOCKED\tDEVICES\tCREATED\t"))
			for _, a := range as {
				fmt.Fprintf(w, "%s\t%s\t%v\t%v\t%d\t%s\t\n", a.ID, a.Email, a.Confirmed, a.Blocked, a.Devices, a.CreatedAt)
			}
			return w.Flush()
		}),
		sub("devices ACCOUNT", e.Tr("Geräte eines Kontos auflisten (ACCOUNT: Kennung oder E-Mail)", "list an account's devices (ACCOUNT: id or e-mail)"), 1, func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			ds, err := svc.AdminDevices(cmd.Context(), op, args[0])
			if err != nil {
				return err
			}
			for _, d := range ds {
				if err := printDevice(d); err != nil {
					return err
				}
			}
			return nil
		}),
		sub("block-account ACCOUNT", e.Tr("ein Konto sperren und seine Sitzungen beenden", "block an account and end its sessions"), 1, func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			a, err := svc.AdminBlockAccount(cmd.Context(), op, args[0], true)
			if err != nil {
				return err
			}
			return printAccount(a)
		}),
		sub("unblock-account ACCOUNT", e.Tr("ein Konto entsperren", "unblock an account"), 1, func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			a, err := svc.AdminBlockAccount(cmd.Context(), op, args[0], false)
			if err != nil {
				return err
			}
			return printAccount(a)
		}),
		sub("block-device ACCOUNT DEVICE", e.Tr("ein Gerät sperren (ein verlorenes Telefon) und seine Sitzungen beenden", "block a device (a lost phone) and end its sessions"), 2, func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			d, err := svc.AdminBlockDevice(cmd.Context(), op, args[0], akte.DeviceID(args[1]), true)
			if err != nil {
				return err
			}
			return printDevice(d)
		}),
		sub("quota ACCOUNT SIZE", e.Tr("das Kontingent der Akte eines Kontos festlegen (SIZE etwa 5GiB oder 500MB; 0: Standard des Servers)",
			"set the quota of an account's record (SIZE such as 5GiB or 500MB; 0: server default)"), 2, func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			n, err := ParseSize(args[1])
			if err != nil {
				return cli.Fail(akte.KindInvalid, "config_size", map[string]any{"name": "SIZE", "value": args[1]})
			}
			a, eff, err := svc.AdminSetQuota(cmd.Context(), op, args[0], n)
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"id": a.ID, "email": a.Email, "quota": eff})
			}
			e.Printf(e.Tr("Konto %s (%s): Kontingent %s\n", "account %s (%s): quota %s\n"), a.ID, a.Email, catalog.Bytes(e.Lang, eff))
			return nil
		}),
		sub("run-jobs", e.Tr("eine Runde der Wartungsaufgaben jetzt ausführen (Aufbewahrung, verlassene Uploads, verwaiste Teile)",
			"run one round of the maintenance jobs now (retention, abandoned uploads, orphaned chunks)"), 0, func(cmd *cobra.Command, svc *service.Service, op service.Operator, _ []string) error {
			if err := svc.RunJobs(cmd.Context()); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]string{"status": "done"})
			}
			e.Printf("%s\n", e.Tr("Wartungsaufgaben erledigt", "maintenance jobs done"))
			return nil
		}),
		sub("unblock-device ACCOUNT DEVICE", e.Tr("ein Gerät entsperren", "unblock a device"), 2, func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			d, err := svc.AdminBlockDevice(cmd.Context(), op, args[0], akte.DeviceID(args[1]), false)
			if err != nil {
				return err
			}
			return printDevice(d)
		}),
	)
	return cmd
}

// lazyMailer opens the configured mail path (as akte serve does) on the
// first mail: most operator commands send none, and need neither SMTP
// nor an outbox directory.
type lazyMailer struct {
	cfg Config
	log *slog.Logger
	mu  sync.Mutex
	m   service.Mailer
}

func (l *lazyMailer) Send(ctx context.Context, m mail.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		mailer, _, err := newMailer(l.cfg, l.log)
		if err != nil {
			return err
		}
		l.m = mailer
	}
	return l.m.Send(ctx, m)
}
