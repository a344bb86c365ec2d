package auditpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/internal/pdftest"

	"github.com/akte/akte/audit"
	"golang.org/x/mod/sumdb/tlog"
)

// verified builds a log of n events as a server does and verifies it as a
// client does, with the package's public API only.
func verified(t *testing.T, n int) audit.Export {
	t.Helper()
	const log = "record/pdf"
	key, err := audit.GenerateKey("akte.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	es := make([]audit.Event, n)
	ops := audit.Operations()
	for i := range es {
		o := ops[i%len(ops)]
		es[i] = audit.Event{Time: start.Add(time.Duration(i) * 17 * time.Minute), Operation: o.Op, ActorRole: audit.RolePatient,
			ActorID: "acc_7hq3", ActorName: "Jörg Müller-Lüdenscheidt", Object: fmt.Sprintf("item:obj%04d", i), Device: "dev_k2p9"}
		if i%4 == 1 {
			es[i].Result, es[i].Reason, es[i].ActorRole, es[i].ActorName = audit.ResultDenied, "no_grant", audit.RoleProvider, "Praxis Dr. Weiß"
		}
		if i%3 == 0 {
			if err := es[i].SetAddr(strings.NewReader(strings.Repeat("s", 16)), "2001:db8::7"); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				es[i].ForgetAddr()
			}
		}
	}
	audit.Sequence(0, time.Time{}, es)
	var stored []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for k, i := range idx {
			out[k] = stored[i]
		}
		return out, nil
	})
	leaves := make([]tlog.Hash, n)
	for i := range es {
		if leaves[i], err = audit.LeafHash(log, &es[i]); err != nil {
			t.Fatal(err)
		}
	}
	_, hs, root, err := audit.Append(hr, 0, leaves)
	if err != nil {
		t.Fatal(err)
	}
	stored = hs
	signed, err := key.Sign(audit.Checkpoint{Origin: key.Origin(log), Size: int64(n), Hash: root, Time: start.Add(time.Duration(n) * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p := &audit.Page{Key: key.Public(), Log: log, Checkpoint: string(signed)}
	for i := range es {
		en, err := audit.NewEntry(log, &es[i], leaves[i])
		if err != nil {
			t.Fatal(err)
		}
		p.Entries = append(p.Entries, en)
	}
	v, err := audit.Verify(p, audit.Options{Log: log, Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	berlin := time.FixedZone("CET", 3600)
	return audit.Export{Server: "akte.example.org", Log: log, Verified: v, Events: v.Events, Now: start.Add(1000 * time.Hour), Lang: "de", Loc: berlin}
}

// TestPDF renders the protocol with pdftoppm and reads it back with
// pdftotext: every event is listed, with its operation, its time, and the
// checkpoint it was verified against.
func TestPDF(t *testing.T) {
	for _, lang := range []string{"de", "en"} {
		t.Run(lang, func(t *testing.T) {
			x := verified(t, 120)
			x.Lang = lang
			var b bytes.Buffer
			if err := Write(&b, x); err != nil {
				t.Fatal(err)
			}
			if pages := pdftest.Pages(t, b.Bytes(), 50); len(pages) < 3 {
				t.Fatalf("%d pages rendered, want the 120 events over several", len(pages))
			}
			txt := pdftest.Text(t, b.Bytes())
			for _, e := range x.Events {
				for _, want := range []string{fmt.Sprintf("#%d", e.Index), e.Time.In(x.Loc).Format("02.01.2006 15:04:05"), e.Object} {
					if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(want) + `(\s|$)`).MatchString(txt) {
						t.Fatalf("event #%d: %q not in the PDF text", e.Index, want)
					}
				}
			}
			c := x.Verified.Checkpoint
			for _, want := range []string{c.Origin, c.Hash.String(), "Müller-Lüdenscheidt", audit.ItemDownload.Label(lang)} {
				if !strings.Contains(txt, want) {
					t.Errorf("%q not in the PDF text", want)
				}
			}
			if strings.Count(txt, "2001:db8::7") == 0 || !strings.Contains(txt, map[string]string{"de": "(entfernt)", "en": "(removed)"}[lang]) {
				t.Error("addresses, kept and removed, are not shown")
			}
		})
	}
}
