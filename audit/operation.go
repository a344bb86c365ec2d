package audit

// Operation names what an event records, e.g. "item.download". Names are
// stable: they are part of every leaf, so renaming one would make old
// events look altered. Add operations; never rename or reuse one.
type Operation string

// The operations of the protocol (issue "The protocol", item 1). A failed
// or refused attempt is the same operation with Result denied or error,
// never an operation of its own ("login failure" is session.login with
// ResultDenied, "share failed" is share.open with ResultDenied).
const (
	// Documents and entries of a record.
	ItemReadMetadata Operation = "item.read_metadata"
	ItemDownload     Operation = "item.download"
	ItemUpload       Operation = "item.upload"
	ItemDelete       Operation = "item.delete"
	ItemNewVersion   Operation = "item.new_version"
	ItemList         Operation = "item.list"
	ItemSearch       Operation = "item.search"
	RecordRead       Operation = "record.read"
	// ItemChangeMetadata is a new description (sealed metadata) of a
	// document, its content unchanged.
	ItemChangeMetadata Operation = "item.change_metadata"

	// Grants to providers.
	GrantCreate Operation = "grant.create"
	GrantChange Operation = "grant.change"
	GrantRevoke Operation = "grant.revoke"
	// Per-provider hiding and blocking (issue 14, items 4 and 5).
	GrantHide    Operation = "grant.hide"
	GrantUnhide  Operation = "grant.unhide"
	GrantBlock   Operation = "grant.block"
	GrantUnblock Operation = "grant.unblock"

	// Provider accounts (decision 0034).
	ProviderRegister Operation = "provider.register"
	ProviderSearch   Operation = "provider.search"
	ProviderRead     Operation = "provider.read"

	// Share links and access codes.
	ShareCreate Operation = "share.create"
	ShareOpen   Operation = "share.open"
	ShareRevoke Operation = "share.revoke"
	// ShareLock: too many wrong passwords locked a share (recorded by the
	// system; the patient is told).
	ShareLock Operation = "share.lock"

	// Representatives.
	RepresentativeAdd    Operation = "representative.add"
	RepresentativeChange Operation = "representative.change"
	RepresentativeRemove Operation = "representative.remove"
	// RepresentativeAccept is the named person's acceptance.
	RepresentativeAccept Operation = "representative.accept"
	// EmergencyRequest, EmergencyRefuse and EmergencyOpen are an emergency
	// representative's request for access, the patient's refusal of it,
	// and the end of the waiting period (recorded by the system).
	EmergencyRequest Operation = "representative.emergency_request"
	EmergencyRefuse  Operation = "representative.emergency_refuse"
	EmergencyOpen    Operation = "representative.emergency_open"

	// Apps (DiGA).
	AppConnect    Operation = "app.connect"
	AppDisconnect Operation = "app.disconnect"
	AppPush       Operation = "app.push"
	// AppList is the patient's listing of the apps and their links.
	AppList Operation = "app.list"

	// The insurer (decision 0043): the account shells it opens for its
	// insured, the billing data it adds, the insured's activation.
	InsurerOpenRecord    Operation = "insurer.open_record"
	InsurerPush          Operation = "insurer.push"
	AccountActivate      Operation = "account.activate"
	ActivationExpired    Operation = "activation.expired"
	ItemFile             Operation = "item.file"
	AdminAppRegister     Operation = "admin.app_register"
	AdminInsurerRegister Operation = "admin.insurer_register"

	// Consents.
	ConsentGive     Operation = "consent.give"
	ConsentWithdraw Operation = "consent.withdraw"
	// ConsentExpired is the system's deletion of consent evidence 3
	// years after the contract ended (by count, decision 0044).
	ConsentExpired Operation = "consent.evidence_expired"
	// RecordRestrict and RecordUnrestrict are the patient's restriction
	// of processing and its lifting (issue 16 item 6).
	RecordRestrict Operation = "record.restrict"
	// DonationConsentGive and DonationConsentWithdraw are the ledger's
	// records of a research donation category (decision 0048);
	// DonationRelay is an encrypted extract relayed to the sink.
	DonationConsentGive     Operation = "donation.consent_give"
	DonationConsentWithdraw Operation = "donation.consent_withdraw"
	DonationRelay           Operation = "donation.relay"
	RecordUnrestrict        Operation = "record.unrestrict"

	// Intake reminders of the medication plan (times only, decision 0045).
	MedicationRemindersSet   Operation = "medication.reminders_set"
	MedicationRemindersClear Operation = "medication.reminders_clear"
	MedicationReminderSent   Operation = "medication.reminder_sent"
	// Web Push subscriptions of the reminders (decision 0051).
	PushSubscriptionAdd    Operation = "push.subscription_add"
	PushSubscriptionRemove Operation = "push.subscription_remove"

	// Sessions.
	SessionLogin     Operation = "session.login"
	SessionLogout    Operation = "session.logout"
	SessionLogoutAll Operation = "session.logout_all"
	SessionEnd       Operation = "session.end"
	SessionKey       Operation = "session.key"
	// SessionLoginPasskey is a login whose second factor was a passkey
	// (a failed one is session.login denied, like every failed login).
	SessionLoginPasskey Operation = "session.login_passkey"

	// Devices.
	DeviceConfirm Operation = "device.confirm"
	DeviceBlock   Operation = "device.block"
	DeviceRename  Operation = "device.rename"

	// Account and password.
	AccountRegister          Operation = "account.register"
	AccountConfirm           Operation = "account.confirm"
	AccountResendCode        Operation = "account.resend_code"
	AccountResume            Operation = "account.resume"
	AccountAuthenticator     Operation = "account.authenticator_change"
	AccountRead              Operation = "account.read"
	AccountDelete            Operation = "account.delete"
	AccountDeleteUnconfirmed Operation = "account.delete_unconfirmed"
	AccountChange            Operation = "account.change"
	AccountKeysRotate        Operation = "account.keys_rotate"
	AccountEmailChangeStart  Operation = "account.email_change_start"
	AccountEmailChange       Operation = "account.email_change"
	AccountPasskeyAdd        Operation = "account.passkey_add"
	AccountPasskeyRemove     Operation = "account.passkey_remove"
	AccountTerminate         Operation = "account.terminate"
	AccountKeep              Operation = "account.keep"
	AccountTerminated        Operation = "account.terminated"
	PasswordChange           Operation = "password.change"
	PasswordRecover          Operation = "password.recover"
	PasswordRecoverComplete  Operation = "password.recover_complete"
	PasswordResetStart       Operation = "password.reset_start"
	PasswordReset            Operation = "password.reset"

	// Operator actions (akte admin).
	AdminAccounts       Operation = "admin.accounts"
	AdminAccountBlock   Operation = "admin.account_block"
	AdminAccountUnblock Operation = "admin.account_unblock"
	AdminDevices        Operation = "admin.devices"
	AdminDeviceBlock    Operation = "admin.device_block"
	AdminDeviceUnblock  Operation = "admin.device_unblock"
	AdminQuota          Operation = "admin.quota"
	AdminMigrate        Operation = "admin.migrate"
	AdminProviders      Operation = "admin.providers"
	AdminProviderVerify Operation = "admin.provider_verify"
	AdminProviderReject Operation = "admin.provider_reject"

	// Usage data for billing (decision 0047).
	AdminUsage Operation = "admin.usage"
	UsagePrune Operation = "usage.prune"

	// Backups of the embedded default (akte admin backup).
	AdminBackup Operation = "admin.backup"

	// The protocol itself and what the system does on its own.
	AuditRead    Operation = "audit.read"
	AlarmRaise   Operation = "alarm.raise"
	RetentionRun Operation = "retention.run"
)

// Action is the FHIR AuditEvent.action of an operation: C, R, U, D or E.
type Action string

const (
	ActionCreate  Action = "C"
	ActionRead    Action = "R"
	ActionUpdate  Action = "U"
	ActionDelete  Action = "D"
	ActionExecute Action = "E"
)

// Area groups operations as gematik's ePA groups its services; the FHIR
// export writes it as AuditEvent.source.type.
type Area string

const (
	AreaDocuments Area = "documents"
	AreaAccess    Area = "access" // grants, shares, representatives, apps
	AreaConsent   Area = "consent"
	AreaAuth      Area = "auth" // sessions, devices, account, password
	AreaOperator  Area = "operator"
	AreaAudit     Area = "audit"
)

// OpInfo describes one operation: its protocol code (stable, short,
// language-neutral: what catalogues, exports and support refer to), the
// FHIR action, the area, and labels for people.
type OpInfo struct {
	Op      Operation
	Code    string
	Action  Action
	Area    Area
	LabelDE string
	LabelEN string
}

// Operations returns the catalogue, in display order. It is data: an
// operation is added by appending a line; codes are never reused.
func Operations() []OpInfo {
	return []OpInfo{
		{ItemReadMetadata, "DOC-01", ActionRead, AreaDocuments, "Metadaten eines Dokuments gelesen", "Document metadata read"},
		{ItemDownload, "DOC-02", ActionRead, AreaDocuments, "Dokument heruntergeladen", "Document downloaded"},
		{ItemUpload, "DOC-03", ActionCreate, AreaDocuments, "Dokument hochgeladen", "Document uploaded"},
		{ItemDelete, "DOC-04", ActionDelete, AreaDocuments, "Dokument gelöscht", "Document deleted"},
		{ItemNewVersion, "DOC-05", ActionUpdate, AreaDocuments, "Neue Version eines Dokuments", "New version of a document"},
		{ItemList, "DOC-06", ActionRead, AreaDocuments, "Dokumentliste gelesen", "Document list read"},
		{ItemSearch, "DOC-07", ActionExecute, AreaDocuments, "In der Akte gesucht", "Record searched"},
		{RecordRead, "DOC-08", ActionRead, AreaDocuments, "Akte geöffnet (Schlüssel und Kategorien)", "Record opened (keys and categories)"},
		{ItemFile, "DOC-10", ActionUpdate, AreaDocuments, "Eingegangenes Dokument eingeordnet", "Inbox item filed"},
		{ItemChangeMetadata, "DOC-09", ActionUpdate, AreaDocuments, "Angaben zu einem Dokument geändert", "Document details changed"},

		{GrantCreate, "GRT-01", ActionCreate, AreaAccess, "Berechtigung erteilt", "Access granted"},
		{GrantChange, "GRT-02", ActionUpdate, AreaAccess, "Berechtigung geändert", "Access changed"},
		{GrantRevoke, "GRT-03", ActionDelete, AreaAccess, "Berechtigung entzogen", "Access revoked"},
		{GrantHide, "GRT-04", ActionUpdate, AreaAccess, "Vor einer Praxis verborgen", "Hidden from a provider"},
		{GrantUnhide, "GRT-05", ActionUpdate, AreaAccess, "Für eine Praxis wieder sichtbar", "Shown to a provider again"},
		{GrantBlock, "GRT-06", ActionUpdate, AreaAccess, "Praxis gesperrt", "Provider blocked"},
		{GrantUnblock, "GRT-07", ActionUpdate, AreaAccess, "Praxis entsperrt", "Provider unblocked"},

		{ProviderRegister, "PRV-01", ActionCreate, AreaAuth, "Als Leistungserbringer registriert", "Registered as a provider"},
		{ProviderSearch, "PRV-02", ActionExecute, AreaAccess, "Leistungserbringer gesucht", "Providers searched"},
		{ProviderRead, "PRV-03", ActionRead, AreaAccess, "Eintrag eines Leistungserbringers gelesen (Schlüssel)", "Provider entry read (key)"},

		{ShareCreate, "SHR-01", ActionCreate, AreaAccess, "Freigabe erstellt", "Share created"},
		{ShareOpen, "SHR-02", ActionRead, AreaAccess, "Freigabe geöffnet", "Share opened"},
		{ShareRevoke, "SHR-03", ActionDelete, AreaAccess, "Freigabe widerrufen", "Share revoked"},
		{ShareLock, "SHR-04", ActionUpdate, AreaAccess, "Freigabe nach falschen Passwörtern gesperrt", "Share locked after wrong passwords"},

		{RepresentativeAdd, "REP-01", ActionCreate, AreaAccess, "Vertretung benannt", "Representative added"},
		{RepresentativeChange, "REP-02", ActionUpdate, AreaAccess, "Vertretung geändert", "Representative changed"},
		{RepresentativeRemove, "REP-03", ActionDelete, AreaAccess, "Vertretung entfernt", "Representative removed"},
		{RepresentativeAccept, "REP-04", ActionUpdate, AreaAccess, "Vertretung angenommen", "Representation accepted"},
		{EmergencyRequest, "REP-05", ActionExecute, AreaAccess, "Notfallzugriff beantragt", "Emergency access requested"},
		{EmergencyRefuse, "REP-06", ActionUpdate, AreaAccess, "Notfallzugriff abgelehnt", "Emergency access refused"},
		{EmergencyOpen, "REP-07", ActionExecute, AreaAccess, "Notfallzugriff nach Wartezeit geöffnet", "Emergency access opened after the waiting period"},

		{MedicationRemindersSet, "MED-01", ActionUpdate, AreaAuth, "Einnahme-Erinnerungen eingestellt (nur Uhrzeiten)", "Intake reminders set (times only)"},
		{MedicationRemindersClear, "MED-02", ActionDelete, AreaAuth, "Einnahme-Erinnerungen gelöscht", "Intake reminders cleared"},
		{MedicationReminderSent, "MED-03", ActionExecute, AreaAuth, "Einnahme-Erinnerung gesendet (per Mail oder Push)", "Intake reminder sent (by mail or push)"},
		{PushSubscriptionAdd, "PSH-01", ActionCreate, AreaAuth, "Push-Benachrichtigungen für ein Gerät eingerichtet", "Push notifications set up for a device"},
		{PushSubscriptionRemove, "PSH-02", ActionDelete, AreaAuth, "Push-Benachrichtigungen für ein Gerät entfernt", "Push notifications removed for a device"},

		{AppConnect, "APP-01", ActionCreate, AreaAccess, "App verbunden", "App connected"},
		{AppDisconnect, "APP-02", ActionDelete, AreaAccess, "App getrennt", "App disconnected"},
		{AppPush, "APP-03", ActionCreate, AreaAccess, "App hat Daten eingestellt", "App added data"},
		{AppList, "APP-04", ActionRead, AreaAccess, "Verbundene Apps aufgelistet", "Connected apps listed"},
		{InsurerOpenRecord, "INS-01", ActionCreate, AreaAccess, "Krankenkasse hat eine Akte eröffnet", "Insurer opened a record"},
		{InsurerPush, "INS-02", ActionCreate, AreaAccess, "Krankenkasse hat Abrechnungsdaten eingestellt", "Insurer added billing data"},

		{ConsentGive, "CON-01", ActionCreate, AreaConsent, "Einwilligung erteilt", "Consent given"},
		{ConsentWithdraw, "CON-02", ActionDelete, AreaConsent, "Einwilligung widerrufen", "Consent withdrawn"},
		{ConsentExpired, "CON-03", ActionDelete, AreaConsent, "Nachweise von Einwilligungen nach Frist gelöscht", "Consent evidence deleted after its period"},
		{RecordRestrict, "RES-01", ActionUpdate, AreaConsent, "Verarbeitung eingeschränkt", "Processing restricted"},
		{RecordUnrestrict, "RES-02", ActionUpdate, AreaConsent, "Einschränkung aufgehoben", "Restriction lifted"},
		{DonationConsentGive, "DON-01", ActionCreate, AreaConsent, "Einwilligung in die Datenspende erteilt", "Consent to the data donation given"},
		{DonationConsentWithdraw, "DON-02", ActionDelete, AreaConsent, "Einwilligung in die Datenspende widerrufen", "Consent to the data donation withdrawn"},
		{DonationRelay, "DON-03", ActionExecute, AreaConsent, "Verschlüsselte Datenspende weitergeleitet", "Encrypted data donation relayed"},

		{SessionLogin, "AUT-01", ActionExecute, AreaAuth, "Anmeldung", "Login"},
		{SessionLogout, "AUT-02", ActionExecute, AreaAuth, "Abmeldung", "Logout"},
		{SessionLogoutAll, "AUT-03", ActionExecute, AreaAuth, "Überall abgemeldet", "Logged out everywhere"},
		{SessionEnd, "AUT-04", ActionExecute, AreaAuth, "Sitzung beendet", "Session ended"},
		{SessionKey, "AUT-05", ActionRead, AreaAuth, "Sitzungsschlüssel abgerufen", "Session key fetched"},
		{SessionLoginPasskey, "AUT-06", ActionExecute, AreaAuth, "Anmeldung mit Passkey", "Login with a passkey"},

		{DeviceConfirm, "DEV-01", ActionUpdate, AreaAuth, "Gerät bestätigt", "Device confirmed"},
		{DeviceBlock, "DEV-02", ActionUpdate, AreaAuth, "Gerät gesperrt", "Device blocked"},
		{DeviceRename, "DEV-03", ActionUpdate, AreaAuth, "Gerät umbenannt", "Device renamed"},

		{AccountRegister, "ACC-01", ActionCreate, AreaAuth, "Konto angelegt", "Account registered"},
		{AccountConfirm, "ACC-02", ActionUpdate, AreaAuth, "E-Mail-Adresse bestätigt", "E-mail address confirmed"},
		{AccountResendCode, "ACC-03", ActionExecute, AreaAuth, "Bestätigungscode erneut gesendet", "Confirmation code sent again"},
		{AccountRead, "ACC-04", ActionRead, AreaAuth, "Kontodaten gelesen", "Account data read"},
		{AccountDelete, "ACC-05", ActionDelete, AreaAuth, "Konto gelöscht", "Account deleted"},
		{AccountDeleteUnconfirmed, "ACC-06", ActionDelete, AreaAuth, "Unbestätigtes Konto gelöscht", "Unconfirmed account deleted"},
		{AccountChange, "ACC-07", ActionUpdate, AreaAuth, "Kontoeinstellung geändert", "Account setting changed"},
		{AccountAuthenticator, "ACC-09", ActionUpdate, AreaAuth, "Authenticator-App gewechselt", "Authenticator app changed"},
		{AccountResume, "ACC-08", ActionRead, AreaAuth, "Unfertige Registrierung fortgesetzt", "Unfinished registration resumed"},
		{AccountKeysRotate, "ACC-10", ActionUpdate, AreaAuth, "Schlüssel erneuert (neuer Sicherheitsschlüssel)", "Keys renewed (new recovery key)"},
		{AccountEmailChangeStart, "ACC-11", ActionExecute, AreaAuth, "Änderung der E-Mail-Adresse begonnen", "E-mail address change started"},
		{AccountEmailChange, "ACC-12", ActionUpdate, AreaAuth, "E-Mail-Adresse geändert", "E-mail address changed"},
		{AccountPasskeyAdd, "ACC-13", ActionCreate, AreaAuth, "Passkey hinzugefügt", "Passkey added"},
		{AccountPasskeyRemove, "ACC-14", ActionDelete, AreaAuth, "Passkey entfernt", "Passkey removed"},
		{AccountTerminate, "ACC-15", ActionExecute, AreaAuth, "Konto gekündigt", "Notice given on the account"},
		{AccountKeep, "ACC-16", ActionExecute, AreaAuth, "Kündigung zurückgenommen", "Notice taken back"},
		{AccountActivate, "ACC-18", ActionCreate, AreaAuth, "Konto mit Aktivierungscode eröffnet", "Account activated with a code"},
		{ActivationExpired, "ACC-19", ActionDelete, AreaAuth, "Nicht aktiviertes Konto gelöscht", "Account never activated deleted"},
		{AccountTerminated, "ACC-17", ActionDelete, AreaAuth, "Gekündigtes Konto gelöscht", "Terminated account deleted"},
		{PasswordChange, "PWD-01", ActionUpdate, AreaAuth, "Passwort geändert", "Password changed"},
		{PasswordRecover, "PWD-02", ActionExecute, AreaAuth, "Wiederherstellung angefordert", "Recovery requested"},
		{PasswordRecoverComplete, "PWD-03", ActionUpdate, AreaAuth, "Passwort mit Sicherheitsschlüssel neu gesetzt", "Password set with the recovery key"},
		{PasswordResetStart, "PWD-04", ActionExecute, AreaAuth, "Zurücksetzen angefordert", "Reset requested"},
		{PasswordReset, "PWD-05", ActionUpdate, AreaAuth, "Passwort zurückgesetzt (Daten verloren)", "Password reset (data lost)"},

		{AdminAccounts, "OPS-01", ActionRead, AreaOperator, "Betrieb: Konten aufgelistet", "Operator: accounts listed"},
		{AdminAccountBlock, "OPS-02", ActionUpdate, AreaOperator, "Betrieb: Konto gesperrt", "Operator: account blocked"},
		{AdminAccountUnblock, "OPS-03", ActionUpdate, AreaOperator, "Betrieb: Konto entsperrt", "Operator: account unblocked"},
		{AdminDevices, "OPS-04", ActionRead, AreaOperator, "Betrieb: Geräte aufgelistet", "Operator: devices listed"},
		{AdminDeviceBlock, "OPS-05", ActionUpdate, AreaOperator, "Betrieb: Gerät gesperrt", "Operator: device blocked"},
		{AdminDeviceUnblock, "OPS-06", ActionUpdate, AreaOperator, "Betrieb: Gerät entsperrt", "Operator: device unblocked"},
		{AdminQuota, "OPS-07", ActionUpdate, AreaOperator, "Betrieb: Speicherkontingent geändert", "Operator: quota changed"},
		{AdminMigrate, "OPS-08", ActionExecute, AreaOperator, "Betrieb: Daten umgezogen", "Operator: data migrated"},
		{AdminProviders, "OPS-09", ActionRead, AreaOperator, "Betrieb: Leistungserbringer aufgelistet", "Operator: providers listed"},
		{AdminProviderVerify, "OPS-10", ActionUpdate, AreaOperator, "Betrieb: Leistungserbringer freigeschaltet", "Operator: provider verified"},
		{AdminProviderReject, "OPS-11", ActionUpdate, AreaOperator, "Betrieb: Leistungserbringer abgelehnt", "Operator: provider rejected"},
		{AdminAppRegister, "OPS-12", ActionCreate, AreaOperator, "Betrieb: App registriert", "Operator: app registered"},
		{AdminInsurerRegister, "OPS-13", ActionCreate, AreaOperator, "Betrieb: Krankenkasse registriert", "Operator: insurer registered"},
		{AdminUsage, "USG-01", ActionRead, AreaOperator, "Betrieb: Nutzungsdaten gelesen", "Operator: usage data read"},
		{UsagePrune, "USG-02", ActionDelete, AreaOperator, "Nutzungsdaten nach Frist gelöscht", "Usage data deleted after their period"},
		{AdminBackup, "BAK-01", ActionExecute, AreaOperator, "Betrieb: Sicherung erstellt (ältere gelöscht)", "Operator: backup made (older ones deleted)"},

		{AuditRead, "AUD-01", ActionRead, AreaAudit, "Protokoll gelesen", "Protocol read"},
		{AlarmRaise, "AUD-02", ActionExecute, AreaAudit, "Warnung ausgelöst", "Alarm raised"},
		{RetentionRun, "AUD-03", ActionDelete, AreaAudit, "Aufbewahrungsfrist: Einträge gelöscht", "Retention: entries deleted"},
	}
}

// legacy maps the names the foundation wrote before this catalogue to
// their operation, so that events recorded then join the log unchanged.
var legacy = map[Operation]Operation{
	"item.read":   ItemDownload,
	"item.create": ItemUpload,
}

var opIndex = func() map[Operation]OpInfo {
	m := make(map[Operation]OpInfo)
	for _, o := range Operations() {
		m[o.Op] = o
	}
	for old, op := range legacy {
		m[old] = m[op]
	}
	return m
}()

// Info returns the catalogue entry of op (also for the foundation's older
// names), and false for an unknown operation.
func (op Operation) Info() (OpInfo, bool) {
	o, ok := opIndex[op]
	return o, ok
}

// Code returns the protocol code of op, or "" if op is unknown.
func (op Operation) Code() string { return opIndex[op].Code }

// Label returns the label of op in the language ("de" or "en"); an unknown
// operation is shown by its name.
func (op Operation) Label(lang string) string {
	o, ok := opIndex[op]
	switch {
	case !ok:
		return string(op)
	case lang == "en":
		return o.LabelEN
	default:
		return o.LabelDE
	}
}
