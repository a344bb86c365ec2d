package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/wire"
)

// One method per route of api/routes.go, in its order. TestRoutesCovered
// checks that every route is called by exactly one of them.

// esc escapes an id for a path segment.
func esc(id string) string { return url.PathEscape(id) }

// Health is GET /healthz: the process answers.
func (c *API) Health(ctx context.Context) error {
	_, err := c.do(ctx, "GET", "/healthz", nil, nil, nil)
	return err
}

// Ready is GET /readyz: the database and the blob store answer.
func (c *API) Ready(ctx context.Context) error {
	_, err := c.do(ctx, "GET", "/readyz", nil, nil, nil)
	return err
}

// OpenAPI is GET /api/v1/openapi.json: the API's description.
func (c *API) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	_, err := c.do(ctx, "GET", prefix+"/openapi.json", nil, &doc, nil)
	return doc, err
}

// Register is POST /api/v1/accounts.
func (c *API) Register(ctx context.Context, r wire.RegisterRequest) (*wire.RegisterResponse, error) {
	var out wire.RegisterResponse
	_, err := c.do(ctx, "POST", prefix+"/accounts", r, &out, nil)
	return &out, err
}

// RegisterProvider is POST /api/v1/providers.
func (c *API) RegisterProvider(ctx context.Context, r wire.ProviderRegisterRequest) (*wire.RegisterResponse, error) {
	var out wire.RegisterResponse
	_, err := c.do(ctx, "POST", prefix+"/providers", r, &out, nil)
	return &out, err
}

// SearchProviders is GET /api/v1/providers?q=TEXT: verified providers
// whose name or place contains the text, or whose id is it.
func (c *API) SearchProviders(ctx context.Context, text string) ([]wire.Provider, error) {
	var out []wire.Provider
	_, err := c.do(ctx, "GET", prefix+"/providers?q="+url.QueryEscape(text), nil, &out, nil)
	return out, err
}

// Provider is GET /api/v1/providers/{id}: a verified provider with its
// public key.
func (c *API) Provider(ctx context.Context, id string) (*wire.Provider, error) {
	var out wire.Provider
	_, err := c.do(ctx, "GET", prefix+"/providers/"+esc(id), nil, &out, nil)
	return &out, err
}

// OwnProvider is GET /api/v1/account/provider: one's own provider entry
// with its status.
func (c *API) OwnProvider(ctx context.Context) (*wire.Provider, error) {
	var out wire.Provider
	_, err := c.do(ctx, "GET", prefix+"/account/provider", nil, &out, nil)
	return &out, err
}

// ConfirmEmail is POST /api/v1/accounts/confirm.
func (c *API) ConfirmEmail(ctx context.Context, r wire.ConfirmRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/accounts/confirm", r, nil, nil)
	return err
}

// ResumeRegistration is POST /api/v1/accounts/resume.
func (c *API) ResumeRegistration(ctx context.Context, r wire.ResumeRequest) (*wire.ResumeResponse, error) {
	var out wire.ResumeResponse
	if _, err := c.do(ctx, "POST", prefix+"/accounts/resume", r, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ResendConfirmation is POST /api/v1/accounts/confirm/resend.
func (c *API) ResendConfirmation(ctx context.Context, r wire.EmailRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/accounts/confirm/resend", r, nil, nil)
	return err
}

// Prelogin is POST /api/v1/prelogin: the account's Argon2id parameters,
// to be checked with core.CheckOffered before anything is derived.
func (c *API) Prelogin(ctx context.Context, r wire.EmailRequest) (*wire.PreloginResponse, error) {
	var out wire.PreloginResponse
	_, err := c.do(ctx, "POST", prefix+"/prelogin", r, &out, nil)
	return &out, err
}

// Account is GET /api/v1/account.
func (c *API) Account(ctx context.Context) (*wire.Account, error) {
	var out wire.Account
	_, err := c.do(ctx, "GET", prefix+"/account", nil, &out, nil)
	return &out, err
}

// UpdateAccount is PATCH /api/v1/account.
func (c *API) UpdateAccount(ctx context.Context, r wire.AccountUpdate) (*wire.Account, error) {
	var out wire.Account
	_, err := c.do(ctx, "PATCH", prefix+"/account", r, &out, nil)
	return &out, err
}

// AccountKeys is GET /api/v1/account/keys.
func (c *API) AccountKeys(ctx context.Context) (*wire.KeysResponse, error) {
	var out wire.KeysResponse
	_, err := c.do(ctx, "GET", prefix+"/account/keys", nil, &out, nil)
	return &out, err
}

// RotateKeys is POST /api/v1/account/keys/rotate: a new user master key
// (core.RotateUMK) replaces the old one.
func (c *API) RotateKeys(ctx context.Context, r wire.KeysRotateRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/account/keys/rotate", r, nil, nil)
	return err
}

// Events is GET /api/v1/account/events.
func (c *API) Events(ctx context.Context) ([]wire.Event, error) {
	var out []wire.Event
	_, err := c.do(ctx, "GET", prefix+"/account/events", nil, &out, nil)
	return out, err
}

// AuditPage is GET /api/v1/account/audit?since=N: the record's protocol
// as a binary page (audit.ParsePage), with a consistency proof from the
// checkpoint of size since.
func (c *API) AuditPage(ctx context.Context, since int64) ([]byte, error) {
	path := fmt.Sprintf("%s/account/audit?since=%d", prefix, since)
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return nil, badURL("GET "+path, err)
	}
	req.Header.Set("Accept", audit.ContentType)
	resp, _, err := c.stream(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, c.unreachable("GET "+path, err)
	}
	return b, nil
}

// AuditKey is GET /api/v1/audit/key: the server's verifier key.
func (c *API) AuditKey(ctx context.Context) (string, error) {
	var out wire.AuditKey
	_, err := c.do(ctx, "GET", prefix+"/audit/key", nil, &out, nil)
	return out.Key, err
}

// Login is POST /api/v1/sessions.
func (c *API) Login(ctx context.Context, r wire.LoginRequest) (*wire.LoginResponse, error) {
	var out wire.LoginResponse
	_, err := c.do(ctx, "POST", prefix+"/sessions", r, &out, nil)
	return &out, err
}

// PasskeyChallenge is POST /api/v1/sessions/passkey: the options for
// navigator.credentials.get, whose answer Login takes in Passkey.
func (c *API) PasskeyChallenge(ctx context.Context) (json.RawMessage, error) {
	var out wire.PasskeyOptions
	_, err := c.do(ctx, "POST", prefix+"/sessions/passkey", struct{}{}, &out, nil)
	return json.RawMessage(out.Options), err
}

// Sessions is GET /api/v1/sessions.
func (c *API) Sessions(ctx context.Context) ([]wire.Session, error) {
	var out []wire.Session
	_, err := c.do(ctx, "GET", prefix+"/sessions", nil, &out, nil)
	return out, err
}

// LogoutAll is DELETE /api/v1/sessions: every session of the account ends.
func (c *API) LogoutAll(ctx context.Context) error {
	_, err := c.do(ctx, "DELETE", prefix+"/sessions", nil, nil, nil)
	return err
}

// Logout is DELETE /api/v1/sessions/current.
func (c *API) Logout(ctx context.Context) error {
	_, err := c.do(ctx, "DELETE", prefix+"/sessions/current", nil, nil, nil)
	return err
}

// EndSession is DELETE /api/v1/sessions/{id}.
func (c *API) EndSession(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", prefix+"/sessions/"+esc(id), nil, nil, nil)
	return err
}

// SessionKey is POST /api/v1/session/key: the session's escrowed key, for
// a request signed with the device key sent at login.
func (c *API) SessionKey(ctx context.Context, r wire.SessionKeyRequest) (*wire.SessionKeyResponse, error) {
	var out wire.SessionKeyResponse
	_, err := c.do(ctx, "POST", prefix+"/session/key", r, &out, nil)
	return &out, err
}

// Devices is GET /api/v1/devices.
func (c *API) Devices(ctx context.Context) ([]wire.Device, error) {
	var out []wire.Device
	_, err := c.do(ctx, "GET", prefix+"/devices", nil, &out, nil)
	return out, err
}

// ConfirmDevice is POST /api/v1/devices/confirm: the secret of a mailed
// device link.
func (c *API) ConfirmDevice(ctx context.Context, r wire.DeviceLinkRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/devices/confirm", r, nil, nil)
	return err
}

// PreviewDevice is POST /api/v1/devices/confirm/preview.
func (c *API) PreviewDevice(ctx context.Context, r wire.DeviceLinkRequest) (*wire.PendingDevice, error) {
	var out wire.PendingDevice
	_, err := c.do(ctx, "POST", prefix+"/devices/confirm/preview", r, &out, nil)
	return &out, err
}

// RenameDevice is PATCH /api/v1/devices/{id}.
func (c *API) RenameDevice(ctx context.Context, id string, r wire.RenameDeviceRequest) (*wire.Device, error) {
	var out wire.Device
	_, err := c.do(ctx, "PATCH", prefix+"/devices/"+esc(id), r, &out, nil)
	return &out, err
}

// BlockDevice is POST /api/v1/devices/{id}/block.
func (c *API) BlockDevice(ctx context.Context, id string) (*wire.Device, error) {
	var out wire.Device
	_, err := c.do(ctx, "POST", prefix+"/devices/"+esc(id)+"/block", nil, &out, nil)
	return &out, err
}

// ChangePassword is POST /api/v1/password/change.
func (c *API) ChangePassword(ctx context.Context, r wire.PasswordChangeRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/password/change", r, nil, nil)
	return err
}

// NewAuthenticator is POST /api/v1/account/authenticator/new.
func (c *API) NewAuthenticator(ctx context.Context) (*wire.Authenticator, error) {
	var out wire.Authenticator
	if _, err := c.do(ctx, "POST", prefix+"/account/authenticator/new", struct{}{}, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ChangeAuthenticator is PUT /api/v1/account/authenticator.
func (c *API) ChangeAuthenticator(ctx context.Context, r wire.AuthenticatorChange) error {
	_, err := c.do(ctx, "PUT", prefix+"/account/authenticator", r, nil, nil)
	return err
}

// StartEmailChange is POST /api/v1/account/email.
func (c *API) StartEmailChange(ctx context.Context, r wire.EmailChangeStart) error {
	_, err := c.do(ctx, "POST", prefix+"/account/email", r, nil, nil)
	return err
}

// ConfirmEmailChange is POST /api/v1/account/email/confirm: the account
// at its new address.
func (c *API) ConfirmEmailChange(ctx context.Context, r wire.EmailChangeConfirm) (*wire.Account, error) {
	var out wire.Account
	if _, err := c.do(ctx, "POST", prefix+"/account/email/confirm", r, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Terminate is POST /api/v1/account/termination: notice on the account.
func (c *API) Terminate(ctx context.Context) (*wire.Termination, error) {
	var out wire.Termination
	if _, err := c.do(ctx, "POST", prefix+"/account/termination", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Termination is GET /api/v1/account/termination: the account's notice,
// nil if none was given.
func (c *API) Termination(ctx context.Context) (*wire.Termination, error) {
	var out wire.TerminationState
	if _, err := c.do(ctx, "GET", prefix+"/account/termination", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Termination, nil
}

// Usage is GET /api/v1/account/usage: the usage data kept for billing,
// nil for an account without.
func (c *API) Usage(ctx context.Context) (*wire.Usage, error) {
	var out wire.UsageState
	if _, err := c.do(ctx, "GET", prefix+"/account/usage", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Usage, nil
}

// KeepAccount is DELETE /api/v1/account/termination: the notice taken back.
func (c *API) KeepAccount(ctx context.Context) error {
	_, err := c.do(ctx, "DELETE", prefix+"/account/termination", nil, nil, nil)
	return err
}

// ConsentTexts is GET /api/v1/consent-texts?lang=L: the current consent
// texts, without their bodies.
func (c *API) ConsentTexts(ctx context.Context, lang string) ([]wire.ConsentText, error) {
	var out wire.ConsentTexts
	_, err := c.do(ctx, "GET", prefix+"/consent-texts?lang="+url.QueryEscape(lang), nil, &out, nil)
	return out.Texts, err
}

// ConsentText is GET /api/v1/consent-texts/{id}?lang=L: the current text,
// checked against its hash (consent_text_changed if it does not match).
func (c *API) ConsentText(ctx context.Context, id, lang string) (*wire.ConsentText, error) {
	var out wire.ConsentText
	if _, err := c.do(ctx, "GET", prefix+"/consent-texts/"+esc(id)+"?lang="+url.QueryEscape(lang), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, CheckConsentText(out)
}

// Consents is GET /api/v1/account/consents: the account's ledger.
func (c *API) Consents(ctx context.Context) (*wire.ConsentLedger, error) {
	var out wire.ConsentLedger
	_, err := c.do(ctx, "GET", prefix+"/account/consents", nil, &out, nil)
	return &out, err
}

// GiveConsent is POST /api/v1/account/consents: the text shown agreed to.
func (c *API) GiveConsent(ctx context.Context, a wire.ConsentAnswer) (*wire.ConsentLedger, error) {
	var out wire.ConsentLedger
	_, err := c.do(ctx, "POST", prefix+"/account/consents", a, &out, nil)
	return &out, err
}

// WithdrawConsent is POST /api/v1/account/consents/{id}/withdraw.
func (c *API) WithdrawConsent(ctx context.Context, id, via string) (*wire.ConsentLedger, error) {
	var out wire.ConsentLedger
	_, err := c.do(ctx, "POST", prefix+"/account/consents/"+esc(id)+"/withdraw", wire.ConsentWithdrawal{Via: via}, &out, nil)
	return &out, err
}

// ConsentRecordText is GET /api/v1/account/consents/texts/{hash}: the text
// a record of the ledger kept, checked against the hash.
func (c *API) ConsentRecordText(ctx context.Context, hash string) (*wire.ConsentText, error) {
	var out wire.ConsentText
	if _, err := c.do(ctx, "GET", prefix+"/account/consents/texts/"+esc(hash), nil, &out, nil); err != nil {
		return nil, err
	}
	if out.Hash != hash {
		return nil, akte.R("consent.read", akte.KindInvalid, "consent_text_changed", map[string]any{"text": out.Text}, "")
	}
	return &out, CheckConsentText(out)
}

// Restriction is GET /api/v1/account/restriction.
func (c *API) Restriction(ctx context.Context) (*wire.Restriction, error) {
	var out wire.Restriction
	_, err := c.do(ctx, "GET", prefix+"/account/restriction", nil, &out, nil)
	return &out, err
}

// Restrict is PUT /api/v1/account/restriction (on) or DELETE (off).
func (c *API) Restrict(ctx context.Context, on bool) (*wire.Restriction, error) {
	method := "DELETE"
	if on {
		method = "PUT"
	}
	var out wire.Restriction
	_, err := c.do(ctx, method, prefix+"/account/restriction", nil, &out, nil)
	return &out, err
}

// BeginPasskey is POST /api/v1/account/passkeys/new: the options for
// navigator.credentials.create (adding a passkey needs an authenticator,
// which a browser has and the CLI has not).
func (c *API) BeginPasskey(ctx context.Context, r wire.PasskeyBegin) (json.RawMessage, error) {
	var out wire.PasskeyOptions
	_, err := c.do(ctx, "POST", prefix+"/account/passkeys/new", r, &out, nil)
	return json.RawMessage(out.Options), err
}

// AddPasskey is POST /api/v1/account/passkeys.
func (c *API) AddPasskey(ctx context.Context, r wire.PasskeyAdd) (*wire.Passkey, error) {
	var out wire.Passkey
	if _, err := c.do(ctx, "POST", prefix+"/account/passkeys", r, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Passkeys is GET /api/v1/account/passkeys.
func (c *API) Passkeys(ctx context.Context) ([]wire.Passkey, error) {
	var out []wire.Passkey
	_, err := c.do(ctx, "GET", prefix+"/account/passkeys", nil, &out, nil)
	return out, err
}

// RemovePasskey is DELETE /api/v1/account/passkeys/{id}.
func (c *API) RemovePasskey(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", prefix+"/account/passkeys/"+esc(id), nil, nil, nil)
	return err
}

// Recover is POST /api/v1/password/recover: the first step of a reset
// with the recovery key.
func (c *API) Recover(ctx context.Context, r wire.RecoverRequest) (*wire.RecoverResponse, error) {
	var out wire.RecoverResponse
	_, err := c.do(ctx, "POST", prefix+"/password/recover", r, &out, nil)
	return &out, err
}

// CompleteRecovery is POST /api/v1/password/recover/complete.
func (c *API) CompleteRecovery(ctx context.Context, r wire.RecoverCompleteRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/password/recover/complete", r, nil, nil)
	return err
}

// ResetPassword is POST /api/v1/password/reset: the start of a reset
// without the recovery key (a code is mailed).
func (c *API) ResetPassword(ctx context.Context, r wire.EmailRequest) (*wire.ResetStartResponse, error) {
	var out wire.ResetStartResponse
	_, err := c.do(ctx, "POST", prefix+"/password/reset", r, &out, nil)
	return &out, err
}

// CompleteReset is POST /api/v1/password/reset/complete, which erases the
// encrypted data.
func (c *API) CompleteReset(ctx context.Context, r wire.ResetCompleteRequest) error {
	_, err := c.do(ctx, "POST", prefix+"/password/reset/complete", r, nil, nil)
	return err
}

// Records is GET /api/v1/records: the records the caller may act on,
// with its role in each.
func (c *API) Records(ctx context.Context) ([]wire.RecordAccess, error) {
	var out []wire.RecordAccess
	_, err := c.do(ctx, "GET", prefix+"/records", nil, &out, nil)
	return out, err
}

// Record is GET /api/v1/records/{rid}.
func (c *API) Record(ctx context.Context) (*wire.Record, error) {
	var out wire.Record
	_, err := c.do(ctx, "GET", c.rec(), nil, &out, nil)
	return &out, err
}

// Manifest is GET /api/v1/records/{rid}/manifest.
func (c *API) Manifest(ctx context.Context) (*wire.Manifest, error) {
	var out wire.Manifest
	_, err := c.do(ctx, "GET", c.rec()+"/manifest", nil, &out, nil)
	return &out, err
}

// SwapManifest is PUT /api/v1/records/{rid}/manifest; it returns the new
// counter.
func (c *API) SwapManifest(ctx context.Context, r wire.ManifestSwap) (int64, error) {
	var out wire.Manifest
	_, err := c.do(ctx, "PUT", c.rec()+"/manifest", r, &out, nil)
	return out.Counter, err
}

// CreateUpload is POST /api/v1/records/{rid}/uploads; the same request
// again answers the status of the upload in progress.
func (c *API) CreateUpload(ctx context.Context, r wire.UploadRequest) (*wire.Upload, int, error) {
	var out wire.Upload
	status, err := c.do(ctx, "POST", c.rec()+"/uploads", r, &out, nil)
	return &out, status, err
}

// UploadStatus is GET /api/v1/records/{rid}/uploads/{id}.
func (c *API) UploadStatus(ctx context.Context, id string) (*wire.Upload, int, error) {
	var out wire.Upload
	status, err := c.do(ctx, "GET", c.rec()+"/uploads/"+esc(id), nil, &out, nil)
	return &out, status, err
}

// PutChunk is PUT /api/v1/records/{rid}/uploads/{id}/chunks/{n}.
func (c *API) PutChunk(ctx context.Context, id string, n int, b []byte) (int, error) {
	path := c.rec() + "/uploads/" + esc(id) + "/chunks/" + strconv.Itoa(n)
	req, err := http.NewRequestWithContext(ctx, "PUT", c.Base+path, bytes.NewReader(b))
	if err != nil {
		return -1, badURL("PUT "+path, err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, status, err := c.stream(req)
	if err != nil {
		return status, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return status, nil
}

// CompleteUpload is POST /api/v1/records/{rid}/uploads/{id}/complete.
func (c *API) CompleteUpload(ctx context.Context, id string) (*wire.Item, int, error) {
	var out wire.Item
	status, err := c.do(ctx, "POST", c.rec()+"/uploads/"+esc(id)+"/complete", nil, &out, nil)
	return &out, status, err
}

// Items is GET /api/v1/records/{rid}/items: every item of the record, or
// of one category (category "" for all). ItemsPage is the same route a
// page at a time.
func (c *API) Items(ctx context.Context, category string) ([]wire.Item, error) {
	path := c.rec() + "/items"
	if category != "" {
		path += "?" + url.Values{"category": {category}}.Encode()
	}
	var out []wire.Item
	_, err := c.do(ctx, "GET", path, nil, &out, nil)
	return out, err
}

// ItemsPage is GET /api/v1/records/{rid}/items with limit and after: one page of at
// most limit items, of one category or all (""), after the cursor after
// ("" for the first page). next is the cursor of the following page, ""
// after the last.
func (c *API) ItemsPage(ctx context.Context, category, after string, limit int) (its []wire.Item, next string, err error) {
	var h http.Header
	if _, err := c.do(ctx, "GET", ItemsPagePath(c.RecordID, category, after, limit), nil, &its, &h); err != nil {
		return nil, "", err
	}
	link, err := nextLink(h)
	if err != nil {
		return nil, "", unreadable("GET "+c.rec()+"/items", err)
	}
	if link != "" {
		u, err := url.Parse(link)
		if err != nil {
			return nil, "", unreadable("GET "+c.rec()+"/items", err)
		}
		next = u.Query().Get("after")
	}
	return its, next, nil
}

// ItemsPagePath is the path of a page of record rid's listing (for
// ItemsPageRaw's first page).
func ItemsPagePath(rid, category, after string, limit int) string {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	if category != "" {
		q.Set("category", category)
	}
	return RecordPath(rid) + "/items?" + q.Encode()
}

// nextLink returns the target of a Link header with rel="next" (RFC 8288),
// as the server wrote it, or "".
func nextLink(h http.Header) (string, error) {
	for _, v := range h.Values("Link") {
		// </api/v1/records/RID/items?after=...&limit=100>; rel="next"
		target, params, _ := strings.Cut(v, ";")
		if !strings.Contains(params, `rel="next"`) {
			continue
		}
		target = strings.TrimSpace(target)
		if len(target) < 2 || target[0] != '<' || target[len(target)-1] != '>' {
			return "", fmt.Errorf("unreadable Link %q", v)
		}
		return target[1 : len(target)-1], nil
	}
	return "", nil
}

// ItemsPageRaw fetches the page at path (ItemsPagePath, or the next link
// of the page before) through the client's Transport without decoding
// it: the body goes into buf (grown only when a page outgrows it), and
// next is the path of the following page, "" after the last. It is the
// listing for callers that only count or pass on the JSON, such as the
// load harness (bench), whose client would otherwise cost as much CPU
// as the server it measures.
func (c *API) ItemsPageRaw(ctx context.Context, path string, hdr http.Header, buf []byte) (body []byte, next string, err error) {
	op := "GET " + c.rec() + "/items"
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return buf, "", badURL(op, err)
	}
	req.Header = hdr
	rt := c.HTTP.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return buf, "", c.unreachable(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return buf, "", errorOf(op, resp)
	}
	if buf, err = readAll(buf[:0], resp.Body); err != nil {
		return buf, "", c.unreachable(op, err)
	}
	next, err = nextLink(resp.Header)
	if err != nil {
		return buf, "", unreadable(op, err)
	}
	return buf, next, nil
}

// ItemsPageHeader is the request header ItemsPageRaw needs: build it once
// per session and share it (it is read, never written).
func (c *API) ItemsPageHeader() http.Header {
	return http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer " + c.Token}}
}

// readAll is io.ReadAll into b, which grows only when a body outgrows it.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// Item is GET /api/v1/records/{rid}/items/{id}.
func (c *API) Item(ctx context.Context, id string) (*wire.Item, error) {
	var out wire.Item
	_, err := c.do(ctx, "GET", c.rec()+"/items/"+esc(id), nil, &out, nil)
	return &out, err
}

// ItemContent is GET /api/v1/records/{rid}/items/{id}/content: the
// ciphertext from byte
// from on (a Range request when from > 0, answered 206). The caller reads
// and closes the body; size is the number of bytes it holds.
func (c *API) ItemContent(ctx context.Context, id string, from int64) (body io.ReadCloser, size int64, status int, err error) {
	path := c.rec() + "/items/" + esc(id) + "/content"
	op := "GET " + path
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return nil, 0, -1, badURL(op, err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	want := http.StatusOK
	if from > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
		want = http.StatusPartialContent
	}
	resp, status, err := c.stream(req)
	if err != nil {
		return nil, 0, status, err
	}
	if resp.StatusCode != want || (from > 0 && !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", from))) {
		resp.Body.Close()
		return nil, 0, status, &akte.Error{Op: op, Kind: akte.KindUnavailable, Reason: "server_answer_unexpected", Params: map[string]any{"status": resp.StatusCode},
			Message: fmt.Sprintf("Unerwartete Antwort des Servers (HTTP %d).", resp.StatusCode)}
	}
	return resp.Body, resp.ContentLength, status, nil
}

// ChangeItemMeta is PUT /api/v1/records/{rid}/items/{id}/meta: a new
// description of a complete item (core.Record.Describe makes it); a
// conflict (another change came first) is KindConflict, reason
// item_meta_changed.
func (c *API) ChangeItemMeta(ctx context.Context, id string, ch wire.ItemMetaChange) (*wire.Item, error) {
	var out wire.Item
	_, err := c.do(ctx, "PUT", c.rec()+"/items/"+esc(id)+"/meta", ch, &out, nil)
	return &out, err
}

// DeleteItem is DELETE /api/v1/records/{rid}/items/{id}; it also ends an
// upload in progress.
func (c *API) DeleteItem(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", c.rec()+"/items/"+esc(id), nil, nil, nil)
	return err
}

// Mailbox is GET /api/v1/dev/mailbox (development servers only).
func (c *API) Mailbox(ctx context.Context) ([]wire.Mail, error) {
	var out []wire.Mail
	_, err := c.do(ctx, "GET", prefix+"/dev/mailbox", nil, &out, nil)
	return out, err
}

// Mail is GET /api/v1/dev/mailbox/{name}.
func (c *API) Mail(ctx context.Context, name string) (*wire.Mail, error) {
	var out wire.Mail
	_, err := c.do(ctx, "GET", prefix+"/dev/mailbox/"+esc(name), nil, &out, nil)
	return &out, err
}

// Grants is GET /api/v1/records/{rid}/grants: the owner's every grant, or
// the caller's running grants of the record with their keys.
func (c *API) Grants(ctx context.Context) ([]wire.Grant, error) {
	var out []wire.Grant
	_, err := c.do(ctx, "GET", c.rec()+"/grants", nil, &out, nil)
	return out, err
}

// CreateGrant is POST /api/v1/records/{rid}/grants.
func (c *API) CreateGrant(ctx context.Context, r wire.GrantRequest) (*wire.Grant, error) {
	var out wire.Grant
	_, err := c.do(ctx, "POST", c.rec()+"/grants", r, &out, nil)
	return &out, err
}

// RevokeGrant is DELETE /api/v1/records/{rid}/grants/{gid}.
func (c *API) RevokeGrant(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", c.rec()+"/grants/"+esc(id), nil, nil, nil)
	return err
}

// Grantee is GET /api/v1/records/{rid}/grantees/{id}: the public key of an
// account the patient may grant to.
func (c *API) Grantee(ctx context.Context, id string) (*wire.Grantee, error) {
	var out wire.Grantee
	_, err := c.do(ctx, "GET", c.rec()+"/grantees/"+esc(id), nil, &out, nil)
	return &out, err
}

// AddCategoryKey is POST /api/v1/records/{rid}/keys.
func (c *API) AddCategoryKey(ctx context.Context, r wire.CategoryKeyAdd) error {
	_, err := c.do(ctx, "POST", c.rec()+"/keys", r, nil, nil)
	return err
}

// Hidings is GET /api/v1/records/{rid}/hidings.
func (c *API) Hidings(ctx context.Context) ([]wire.Hiding, error) {
	var out []wire.Hiding
	_, err := c.do(ctx, "GET", c.rec()+"/hidings", nil, &out, nil)
	return out, err
}

// SetHidden is PUT (hidden) or DELETE /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}.
func (c *API) SetHidden(ctx context.Context, h wire.Hiding, hidden bool) error {
	path := c.rec() + "/hidings/" + esc(h.Grantee) + "/category/" + esc(h.Category)
	if h.Item != "" {
		path = c.rec() + "/hidings/" + esc(h.Grantee) + "/item/" + esc(h.Item)
	}
	method := "DELETE"
	if hidden {
		method = "PUT"
	}
	_, err := c.do(ctx, method, path, nil, nil, nil)
	return err
}

// Blocked is GET /api/v1/records/{rid}/blocks.
func (c *API) Blocked(ctx context.Context) (*wire.Blocks, error) {
	var out wire.Blocks
	_, err := c.do(ctx, "GET", c.rec()+"/blocks", nil, &out, nil)
	return &out, err
}

// Block is PUT (block) or DELETE /api/v1/records/{rid}/blocks/{account}.
func (c *API) Block(ctx context.Context, account string, block bool) (*wire.Blocks, error) {
	var out wire.Blocks
	if !block {
		_, err := c.do(ctx, "DELETE", c.rec()+"/blocks/"+esc(account), nil, nil, nil)
		return &out, err
	}
	_, err := c.do(ctx, "PUT", c.rec()+"/blocks/"+esc(account), nil, &out, nil)
	return &out, err
}
