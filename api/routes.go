package api

import "github.com/akte/akte/service"

// routes registers the whole HTTP surface. Keep it on one screen: a reader
// of this function knows every endpoint.
func (a *API) routes() {
	m := registrar{a}
	m.HandleFunc("GET /healthz", a.handleHealth)
	m.HandleFunc("GET /readyz", a.handleReady)
	m.HandleFunc("GET /api/v1/openapi.json", a.handleOpenAPI)

	m.HandleFunc("POST /api/v1/accounts", a.handleAccountCreate)
	m.HandleFunc("POST /api/v1/accounts/resume", a.handleAccountResume)
	m.HandleFunc("POST /api/v1/accounts/confirm", a.handleAccountConfirm)
	m.HandleFunc("POST /api/v1/accounts/confirm/resend", a.handleAccountConfirmResend)
	m.HandleFunc("POST /api/v1/accounts/activate", a.handleAccountActivate)
	m.HandleFunc("POST /api/v1/prelogin", a.handlePrelogin)
	m.HandleFunc("GET /api/v1/account", a.authed(a.handleAccountGet))
	m.HandleFunc("PATCH /api/v1/account", a.authed(a.handleAccountUpdate))
	m.HandleFunc("GET /api/v1/account/keys", a.authed(a.handleAccountKeys))
	m.HandleFunc("POST /api/v1/account/keys/rotate", a.authed(a.handleAccountKeysRotate))
	m.HandleFunc("GET /api/v1/account/events", a.authed(a.handleAccountEvents))
	m.HandleFunc("GET /api/v1/account/audit", a.authed(a.handleAccountAudit))
	m.HandleFunc("GET /api/v1/audit/key", a.handleAuditKey)
	m.HandleFunc("POST /api/v1/account/authenticator/new", a.authed(a.handleAuthenticatorNew))
	m.HandleFunc("PUT /api/v1/account/authenticator", a.authed(a.handleAuthenticatorChange))
	m.HandleFunc("POST /api/v1/account/email", a.authed(a.handleEmailChangeStart))
	m.HandleFunc("POST /api/v1/account/email/confirm", a.authed(a.handleEmailChangeConfirm))
	m.HandleFunc("POST /api/v1/account/passkeys/new", a.authed(a.handlePasskeyNew))
	m.HandleFunc("POST /api/v1/account/passkeys", a.authed(a.handlePasskeyAdd))
	m.HandleFunc("GET /api/v1/account/passkeys", a.authed(a.handlePasskeyList))
	m.HandleFunc("DELETE /api/v1/account/passkeys/{id}", a.authed(a.handlePasskeyDelete))
	m.HandleFunc("POST /api/v1/account/termination", a.authed(a.handleTerminate))
	m.HandleFunc("GET /api/v1/account/termination", a.authed(a.handleTermination))
	m.HandleFunc("DELETE /api/v1/account/termination", a.authed(a.handleKeepAccount))
	m.HandleFunc("GET /api/v1/account/usage", a.authed(a.handleUsage))
	m.HandleFunc("GET /api/v1/account/provider", a.authed(a.handleAccountProvider))
	m.HandleFunc("PUT /api/v1/account/reminders", a.authed(a.handleRemindersSet))
	m.HandleFunc("GET /api/v1/account/reminders", a.authed(a.handleReminders))
	m.HandleFunc("DELETE /api/v1/account/reminders", a.authed(a.handleRemindersClear))
	m.HandleFunc("GET /api/v1/push/key", a.authed(a.handlePushKey))
	m.HandleFunc("POST /api/v1/account/push", a.authed(a.handlePushSubscribe))
	m.HandleFunc("GET /api/v1/account/push", a.authed(a.handlePushSubscriptions))
	m.HandleFunc("DELETE /api/v1/account/push/{id}", a.authed(a.handlePushUnsubscribe))

	// The consent ledger and the restriction of processing (decision 0044).
	m.HandleFunc("GET /api/v1/consent-texts", a.handleConsentTexts)
	m.HandleFunc("GET /api/v1/consent-texts/{id}", a.handleConsentText)
	m.HandleFunc("GET /api/v1/account/consents", a.authed(a.handleConsents))
	m.HandleFunc("POST /api/v1/account/consents", a.authed(a.handleConsentGive))
	m.HandleFunc("POST /api/v1/account/consents/{id}/withdraw", a.authed(a.handleConsentWithdraw))
	m.HandleFunc("GET /api/v1/account/consents/texts/{hash}", a.authed(a.handleConsentRecordText))
	// The research data donation (decision 0048): the client encrypts,
	// the server relays.
	m.HandleFunc("GET /api/v1/donation", a.authed(a.handleDonationOffer))
	m.HandleFunc("POST /api/v1/account/donations", a.authed(a.handleDonate))
	m.HandleFunc("GET /api/v1/account/restriction", a.authed(a.handleRestriction))
	m.HandleFunc("PUT /api/v1/account/restriction", a.authed(a.handleRestrict))
	m.HandleFunc("DELETE /api/v1/account/restriction", a.authed(a.handleRestrict))

	m.HandleFunc("POST /api/v1/sessions", a.handleSessionCreate)
	m.HandleFunc("POST /api/v1/sessions/passkey", a.handleSessionPasskey)
	m.HandleFunc("GET /api/v1/sessions", a.authed(a.handleSessionList))
	m.HandleFunc("DELETE /api/v1/sessions", a.authed(a.handleSessionDeleteAll))
	m.HandleFunc("DELETE /api/v1/sessions/current", a.authed(a.handleSessionDeleteCurrent))
	m.HandleFunc("DELETE /api/v1/sessions/{id}", a.authed(a.handleSessionDelete))
	m.HandleFunc("POST /api/v1/session/key", a.authed(a.handleSessionKey))

	m.HandleFunc("GET /api/v1/devices", a.authed(a.handleDeviceList))
	m.HandleFunc("POST /api/v1/devices/confirm", a.handleDeviceConfirm)
	m.HandleFunc("POST /api/v1/devices/confirm/preview", a.handleDeviceConfirmPreview)
	m.HandleFunc("PATCH /api/v1/devices/{id}", a.authed(a.handleDeviceRename))
	m.HandleFunc("POST /api/v1/devices/{id}/block", a.authed(a.handleDeviceBlock))

	m.HandleFunc("POST /api/v1/password/change", a.authed(a.handlePasswordChange))
	m.HandleFunc("POST /api/v1/password/recover", a.handlePasswordRecover)
	m.HandleFunc("POST /api/v1/password/recover/complete", a.handlePasswordRecoverComplete)
	m.HandleFunc("POST /api/v1/password/reset", a.handlePasswordReset)
	m.HandleFunc("POST /api/v1/password/reset/complete", a.handlePasswordResetComplete)

	// Provider accounts (decision 0034): registration, and the directory
	// of verified providers that patients search.
	m.HandleFunc("POST /api/v1/providers", a.handleProviderCreate)
	m.HandleFunc("GET /api/v1/providers", a.authed(a.handleProviderSearch))
	m.HandleFunc("GET /api/v1/providers/{id}", a.authed(a.handleProviderGet))

	// The insurer opens records for its insured (decision 0043).
	m.HandleFunc("POST /api/v1/insurer/records", a.authed(a.handleInsurerOpenRecord))

	// The records one may act on; everything of a record is under its id
	// (decision 0033). Who may do what there is service's policy table
	// (docs/permissions.md); recordRoutes names each route's action.
	m.HandleFunc("GET /api/v1/records", a.authed(a.handleRecordList))
	m.HandleFunc("GET /api/v1/records/{rid}", a.authed(a.handleRecordGet))
	m.HandleFunc("GET /api/v1/records/{rid}/manifest", a.authed(a.handleManifestGet))
	m.HandleFunc("PUT /api/v1/records/{rid}/manifest", a.authed(a.handleManifestSwap))
	m.HandleFunc("POST /api/v1/records/{rid}/uploads", a.authed(a.handleUploadCreate))
	m.HandleFunc("GET /api/v1/records/{rid}/uploads/{id}", a.authed(a.handleUploadGet))
	m.HandleFunc("PUT /api/v1/records/{rid}/uploads/{id}/chunks/{n}", a.authed(a.handleUploadChunk))
	m.HandleFunc("POST /api/v1/records/{rid}/uploads/{id}/complete", a.authed(a.handleUploadComplete))
	m.HandleFunc("GET /api/v1/records/{rid}/items", a.authed(a.handleItemList))
	m.HandleFunc("GET /api/v1/records/{rid}/items/{id}", a.authed(a.handleItemGet))
	m.HandleFunc("GET /api/v1/records/{rid}/items/{id}/content", a.authed(a.handleItemContent))
	m.HandleFunc("PUT /api/v1/records/{rid}/items/{id}/meta", a.authed(a.handleItemMetaChange))
	m.HandleFunc("DELETE /api/v1/records/{rid}/items/{id}", a.authed(a.handleItemDelete))
	m.HandleFunc("GET /api/v1/records/{rid}/representatives", a.authed(a.handleRepresentativeList))
	m.HandleFunc("POST /api/v1/records/{rid}/representatives", a.authed(a.handleRepresentativeAdd))
	m.HandleFunc("DELETE /api/v1/records/{rid}/representatives/{id}", a.authed(a.handleRepresentativeDelete))
	m.HandleFunc("PUT /api/v1/records/{rid}/representatives/{id}/key", a.authed(a.handleRepresentativeKey))
	m.HandleFunc("POST /api/v1/records/{rid}/representatives/{id}/refuse", a.authed(a.handleEmergencyRefuse))
	m.HandleFunc("POST /api/v1/records/{rid}/representatives/accept", a.authed(a.handleRepresentativeAccept))
	m.HandleFunc("POST /api/v1/records/{rid}/representatives/request", a.authed(a.handleEmergencyRequest))
	m.HandleFunc("POST /api/v1/records/{rid}/keys", a.authed(a.handleCategoryKeyAdd))
	m.HandleFunc("GET /api/v1/records/{rid}/grants", a.authed(a.handleGrantList))
	m.HandleFunc("POST /api/v1/records/{rid}/grants", a.authed(a.handleGrantCreate))
	m.HandleFunc("DELETE /api/v1/records/{rid}/grants/{gid}", a.authed(a.handleGrantRevoke))
	m.HandleFunc("GET /api/v1/records/{rid}/grantees/{id}", a.authed(a.handleGranteeGet))
	m.HandleFunc("GET /api/v1/records/{rid}/hidings", a.authed(a.handleHidingList))
	m.HandleFunc("PUT /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}", a.authed(a.handleHidingPut))
	m.HandleFunc("DELETE /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}", a.authed(a.handleHidingDelete))
	m.HandleFunc("GET /api/v1/records/{rid}/blocks", a.authed(a.handleBlockList))
	m.HandleFunc("PUT /api/v1/records/{rid}/blocks/{account}", a.authed(a.handleBlockPut))
	m.HandleFunc("DELETE /api/v1/records/{rid}/blocks/{account}", a.authed(a.handleBlockDelete))
	m.HandleFunc("GET /api/v1/records/{rid}/shares", a.authed(a.handleShareList))
	m.HandleFunc("POST /api/v1/records/{rid}/shares", a.authed(a.handleShareCreate))
	m.HandleFunc("DELETE /api/v1/records/{rid}/shares/{sid}", a.authed(a.handleShareRevoke))

	// Shares for recipients without an account (decision 0042): the
	// proof, derived from the link's or code's secret, opens them.
	m.HandleFunc("POST /api/v1/shares/open", a.handleShareOpen)
	m.HandleFunc("GET /api/v1/shares/{id}/items/{item}/content", a.handleShareContent)
	m.HandleFunc("GET /api/v1/records/{rid}/apps", a.authed(a.handleAppList))
	m.HandleFunc("PUT /api/v1/records/{rid}/apps/{app}", a.authed(a.handleAppConnect))
	m.HandleFunc("DELETE /api/v1/records/{rid}/apps/{app}", a.authed(a.handleAppDisconnect))
	m.HandleFunc("GET /api/v1/records/{rid}/public-key", a.authed(a.handleRecordPublicKey))

	// Development only: the mail outbox, so a newcomer registers without a
	// mail server (set by cmd/akte without SMTP on a loopback address).
	if a.opts.Mailbox != nil {
		m.HandleFunc("GET /api/v1/dev/mailbox", a.local(a.handleDevMailboxList))
		m.HandleFunc("GET /api/v1/dev/mailbox/{name}", a.local(a.handleDevMailboxRead))
	}

	m.HandleFunc("/api/", a.handleNotFound)
}

// recordRoutes names the policy action (service's table, docs/permissions.md)
// of every route under /api/v1/records/{rid}. TestPermissionMatrix fails
// for a record route without one.
var recordRoutes = map[string]service.Action{
	"GET /api/v1/records/{rid}":                                      service.ActRecordRead,
	"GET /api/v1/records/{rid}/manifest":                             service.ActManifestRead,
	"PUT /api/v1/records/{rid}/manifest":                             service.ActManifestWrite,
	"POST /api/v1/records/{rid}/uploads":                             service.ActItemUpload,
	"GET /api/v1/records/{rid}/uploads/{id}":                         service.ActItemUpload,
	"PUT /api/v1/records/{rid}/uploads/{id}/chunks/{n}":              service.ActItemUpload,
	"POST /api/v1/records/{rid}/uploads/{id}/complete":               service.ActItemUpload,
	"GET /api/v1/records/{rid}/items":                                service.ActItemList,
	"GET /api/v1/records/{rid}/items/{id}":                           service.ActItemReadMetadata,
	"GET /api/v1/records/{rid}/items/{id}/content":                   service.ActItemDownload,
	"PUT /api/v1/records/{rid}/items/{id}/meta":                      service.ActItemChangeMetadata,
	"DELETE /api/v1/records/{rid}/items/{id}":                        service.ActItemDelete,
	"GET /api/v1/records/{rid}/representatives":                      service.ActRepresentativeList,
	"POST /api/v1/records/{rid}/representatives":                     service.ActRepresentativeAdd,
	"DELETE /api/v1/records/{rid}/representatives/{id}":              service.ActRepresentativeRemove,
	"PUT /api/v1/records/{rid}/representatives/{id}/key":             service.ActRepresentativeChange,
	"POST /api/v1/records/{rid}/representatives/{id}/refuse":         service.ActEmergencyRefuse,
	"POST /api/v1/records/{rid}/representatives/accept":              service.ActRepresentativeAccept,
	"POST /api/v1/records/{rid}/representatives/request":             service.ActEmergencyRequest,
	"POST /api/v1/records/{rid}/keys":                                service.ActKeyAdd,
	"GET /api/v1/records/{rid}/grants":                               service.ActGrantList,
	"POST /api/v1/records/{rid}/grants":                              service.ActGrantManage,
	"DELETE /api/v1/records/{rid}/grants/{gid}":                      service.ActGrantManage,
	"GET /api/v1/records/{rid}/grantees/{id}":                        service.ActGrantManage,
	"GET /api/v1/records/{rid}/hidings":                              service.ActGrantManage,
	"PUT /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}":    service.ActGrantManage,
	"DELETE /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}": service.ActGrantManage,
	"GET /api/v1/records/{rid}/blocks":                               service.ActGrantManage,
	"PUT /api/v1/records/{rid}/blocks/{account}":                     service.ActGrantManage,
	"DELETE /api/v1/records/{rid}/blocks/{account}":                  service.ActGrantManage,
	"GET /api/v1/records/{rid}/shares":                               service.ActShareList,
	"POST /api/v1/records/{rid}/shares":                              service.ActShareCreate,
	"DELETE /api/v1/records/{rid}/shares/{sid}":                      service.ActShareRevoke,
	"GET /api/v1/records/{rid}/apps":                                 service.ActAppList,
	"PUT /api/v1/records/{rid}/apps/{app}":                           service.ActAppManage,
	"DELETE /api/v1/records/{rid}/apps/{app}":                        service.ActAppManage,
	"GET /api/v1/records/{rid}/public-key":                           service.ActPublicKeyRead,
}
