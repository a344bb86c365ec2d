package service_test

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

func shareReq(id string, proof byte, items ...string) service.ShareRequest {
	r := service.ShareRequest{ID: akte.ShareID(id), Password: true, Proof: bytes.Repeat([]byte{proof}, 32)}
	for _, it := range items {
		r.Items = append(r.Items, akte.ShareItem{Item: akte.ItemID(it), Slot: []byte("slot-" + it)})
	}
	return r
}

const (
	shareA = "0123456789abcdef0123456789abcdef"
	shareB = "fedcba9876543210fedcba9876543210"
)

// TestShareRules: what a share may hold and how long; a stranger cannot
// share another's items; the owner's listing carries no proof and no
// slots; the right proof opens the share and logs the view; a wrong proof,
// an unknown id, an expired and a revoked share answer alike.
func TestShareRules(t *testing.T) {
	e, p, a, _ := grantEnv(t)
	ctx := t.Context()
	for _, c := range []struct {
		name   string
		r      service.ShareRequest
		kind   akte.Kind
		reason string
	}{
		{"bad id", shareReq("SHARE", 1, "finding000000001"), akte.KindInvalid, "share_id_invalid"},
		{"short proof", service.ShareRequest{ID: shareA, Proof: []byte("x"), Items: shareReq(shareA, 1, "finding000000001").Items}, akte.KindInvalid, "share_proof_invalid"},
		{"no items", shareReq(shareA, 1), akte.KindInvalid, "share_items_invalid"},
		{"an item twice", shareReq(shareA, 1, "finding000000001", "finding000000001"), akte.KindInvalid, "share_items_invalid"},
		{"an unknown item", shareReq(shareA, 1, "nosuchitem000001"), akte.KindNotFound, "item_not_found"},
		{"in the past", func() service.ShareRequest {
			r := shareReq(shareA, 1, "finding000000001")
			r.ExpiresAt = e.clk.Now().Add(-time.Hour)
			return r
		}(), akte.KindInvalid, "share_expiry_past"},
		{"beyond a year", func() service.ShareRequest {
			r := shareReq(shareA, 1, "finding000000001")
			r.ExpiresAt = e.clk.Now().AddDate(0, 0, 367)
			return r
		}(), akte.KindInvalid, "share_expiry_too_far"},
	} {
		_, err := e.svc.CreateShare(ctx, p, p.RecordID, c.r)
		wantKind(t, c.name, err, c.kind, c.reason)
	}
	// A provider is a stranger to sharing, even with a grant.
	_, err := e.svc.CreateShare(ctx, a, p.RecordID, shareReq(shareA, 1, "finding000000001"))
	wantKind(t, "a stranger's share", err, akte.KindNotFound, "record_not_found")

	sh, err := e.svc.CreateShare(ctx, p, p.RecordID, shareReq(shareA, 1, "finding000000001", "letter0000000001", "private000000001"))
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clk.Now().AddDate(0, 0, 14); !sh.ExpiresAt.Equal(want) {
		t.Errorf("expiry %v, want 14 days: %v", sh.ExpiresAt, want)
	}
	_, err = e.svc.CreateShare(ctx, p, p.RecordID, shareReq(shareA, 2, "finding000000001"))
	wantKind(t, "the same id again", err, akte.KindConflict, "share_exists")
	ss, err := e.svc.Shares(ctx, p, p.RecordID)
	if err != nil || len(ss) != 1 || ss[0].ProofHash != nil || ss[0].Items[0].Slot != nil || len(ss[0].Items) != 3 {
		t.Fatalf("listing: %+v %v", ss, err)
	}

	right, wrong := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	o, err := e.svc.OpenShare(ctx, shareA, right, "198.51.100.1")
	if err != nil || len(o.Items) != 3 || string(o.Items[0].Slot) != "slot-finding000000001" {
		t.Fatalf("open: %+v %v", o, err)
	}
	// A restricted record's share answers like an unknown one, until lifted.
	if _, err := e.svc.Restrict(ctx, p, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.OpenShare(ctx, shareA, right, "198.51.100.1")
	wantKind(t, "restricted", err, akte.KindNotFound, "share_unavailable")
	if _, err := e.svc.Restrict(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	// An item deleted since is left out.
	if err := e.svc.DeleteItem(ctx, p, p.RecordID, "letter0000000001"); err != nil {
		t.Fatal(err)
	}
	if o, err := e.svc.OpenShare(ctx, shareA, right, "198.51.100.1"); err != nil || len(o.Items) != 2 {
		t.Fatalf("open after a deletion: %+v %v", o, err)
	}
	if ss, _ := e.svc.Shares(ctx, p, p.RecordID); len(ss[0].Views) != 2 {
		t.Errorf("views %v, want 2", ss[0].Views)
	}
	_, errWrong := e.svc.OpenShare(ctx, shareA, wrong, "198.51.100.2")
	_, errUnknown := e.svc.OpenShare(ctx, shareB, right, "198.51.100.3")
	_, errGarbage := e.svc.OpenShare(ctx, "../etc", right, "198.51.100.4")
	for name, err := range map[string]error{"wrong proof": errWrong, "unknown": errUnknown, "garbage id": errGarbage} {
		wantKind(t, name, err, akte.KindNotFound, "share_unavailable")
	}
	// Revoked: like unknown; a second revocation finds nothing.
	if err := e.svc.RevokeShare(ctx, p, p.RecordID, shareA); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.OpenShare(ctx, shareA, right, "198.51.100.5")
	wantKind(t, "revoked", err, akte.KindNotFound, "share_unavailable")
	wantKind(t, "revoked twice", e.svc.RevokeShare(ctx, p, p.RecordID, shareA), akte.KindNotFound, "share_not_found")
	// Expired: like unknown.
	if _, err := e.svc.CreateShare(ctx, p, p.RecordID, shareReq(shareB, 3, "finding000000002")); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(14*24*time.Hour + time.Second)
	_, err = e.svc.OpenShare(ctx, shareB, bytes.Repeat([]byte{3}, 32), "198.51.100.6")
	wantKind(t, "expired", err, akte.KindNotFound, "share_unavailable")
}

// TestShareLock: 100 parallel wrong proofs check at most ShareLockAt of
// them; the share locks once, the patient gets one mail, and the right
// proof no longer opens it. The client address's hourly limit holds too.
func TestShareLock(t *testing.T) {
	e, p, _, _ := grantEnv(t)
	ctx := t.Context()
	if _, err := e.svc.CreateShare(ctx, p, p.RecordID, shareReq(shareA, 1, "finding000000001")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var unavailable, limited atomic.Int32
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.OpenShare(ctx, shareA, bytes.Repeat([]byte{byte(i + 2)}, 32), "203.0.113."+string(rune('0'+i%10)))
			switch {
			case akte.Is(err, akte.KindRateLimited):
				limited.Add(1)
			case akte.Is(err, akte.KindNotFound):
				unavailable.Add(1)
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if unavailable.Load() != service.ShareLockAt || limited.Load() != 100-service.ShareLockAt {
		t.Errorf("%d checked, %d limited; want %d checked", unavailable.Load(), limited.Load(), service.ShareLockAt)
	}
	ss, _ := e.svc.Shares(ctx, p, p.RecordID)
	if ss[0].LockedAt == nil || ss[0].Failures != service.ShareLockAt {
		t.Fatalf("share after 100 wrong proofs: %+v", ss[0])
	}
	time.Sleep(200 * time.Millisecond) // the mail goes after the answer
	if n := e.mails("patientin@example.org", "gesperrt"); n != 1 {
		t.Errorf("%d lock mails, want 1", n)
	}
	// A day later the counter is new, the lock is not.
	e.clk.Add(25 * time.Hour)
	_, err := e.svc.OpenShare(ctx, shareA, bytes.Repeat([]byte{1}, 32), "192.0.2.200")
	wantKind(t, "the right proof of a locked share", err, akte.KindNotFound, "share_unavailable")

	// One address: AnonPerAddr attempts an hour, whatever the ids.
	cfg := testConfig()
	limit := cfg.AnonPerAddr
	refused := 0
	for i := range limit + 5 {
		id := strings.Repeat(string("0123456789abcdef"[i%16]), 16) + strings.Repeat(string("0123456789abcdef"[i/16%16]), 16)
		_, err := e.svc.OpenShare(ctx, akte.ShareID(id), bytes.Repeat([]byte{9}, 32), "192.0.2.99")
		if akte.Is(err, akte.KindRateLimited) {
			refused++
		}
	}
	if refused != 5 {
		t.Errorf("%d of %d refused from one address, want 5", refused, limit+5)
	}
}
