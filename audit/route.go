package audit

// RouteAudit says what the requests of one API route are recorded as. A
// route either names its Operation, or has none and says in Why why it is
// not an access to anyone's data (health probes, public documents) or
// which operation records it instead (the chunks of an upload are one
// item.upload, written when the upload completes).
type RouteAudit struct {
	Op  Operation
	Why string
}

// Routes maps every route pattern of the HTTP API (exactly as registered
// in api/routes.go) to its audit mapping. TestRoutesMapped fails when a
// route has none, so a new endpoint cannot ship unaudited by accident.
// Requests refused by authorization are recorded under the same operation
// with ResultDenied.
func Routes() map[string]RouteAudit {
	const partOfUpload = "part of item.upload, recorded once when the upload completes (a refused start is item.upload denied)"
	return map[string]RouteAudit{
		"GET /healthz":             {Why: "liveness probe, no user data"},
		"GET /readyz":              {Why: "readiness probe, no user data"},
		"GET /api/v1/openapi.json": {Why: "public API document"},
		"/api/":                    {Why: "unknown path, answered 404 without touching data"},

		"POST /api/v1/accounts":                       {Op: AccountRegister},
		"POST /api/v1/accounts/resume":                {Op: AccountResume},
		"POST /api/v1/accounts/confirm":               {Op: AccountConfirm},
		"POST /api/v1/accounts/confirm/resend":        {Op: AccountResendCode},
		"POST /api/v1/prelogin":                       {Why: "returns key derivation parameters, the same shape for unknown accounts; the login that follows is session.login"},
		"GET /api/v1/account":                         {Op: AccountRead},
		"PATCH /api/v1/account":                       {Op: AccountChange},
		"GET /api/v1/account/keys":                    {Op: AccountRead},
		"GET /api/v1/account/events":                  {Op: AuditRead},
		"GET /api/v1/account/audit":                   {Op: AuditRead},
		"GET /api/v1/audit/key":                       {Why: "the server's public verifier key, the same for everyone"},
		"POST /api/v1/account/authenticator/new":      {Why: "makes a new TOTP secret for the owner and stores nothing; the change is account.authenticator_change"},
		"PUT /api/v1/account/authenticator":           {Op: AccountAuthenticator},
		"POST /api/v1/account/email":                  {Op: AccountEmailChangeStart},
		"POST /api/v1/account/email/confirm":          {Op: AccountEmailChange},
		"POST /api/v1/account/keys/rotate":            {Op: AccountKeysRotate},
		"POST /api/v1/account/passkeys/new":           {Op: AccountPasskeyAdd},
		"POST /api/v1/account/passkeys":               {Op: AccountPasskeyAdd},
		"GET /api/v1/account/passkeys":                {Op: AccountRead},
		"DELETE /api/v1/account/passkeys/{id}":        {Op: AccountPasskeyRemove},
		"POST /api/v1/account/termination":            {Op: AccountTerminate},
		"GET /api/v1/account/termination":             {Op: AccountRead},
		"DELETE /api/v1/account/termination":          {Op: AccountKeep},
		"PUT /api/v1/account/reminders":               {Op: MedicationRemindersSet},
		"GET /api/v1/account/reminders":               {Op: AccountRead},
		"DELETE /api/v1/account/reminders":            {Op: MedicationRemindersClear},
		"GET /api/v1/push/key":                        {Why: "the server's public VAPID key, the same for everyone"},
		"POST /api/v1/account/push":                   {Op: PushSubscriptionAdd},
		"GET /api/v1/account/push":                    {Op: AccountRead},
		"DELETE /api/v1/account/push/{id}":            {Op: PushSubscriptionRemove},
		"GET /api/v1/consent-texts":                   {Why: "the product's consent texts, the same for everybody, no user data"},
		"GET /api/v1/consent-texts/{id}":              {Why: "the product's consent texts, the same for everybody, no user data"},
		"GET /api/v1/account/consents":                {Op: AccountRead},
		"POST /api/v1/account/consents":               {Op: ConsentGive},
		"POST /api/v1/account/consents/{id}/withdraw": {Op: ConsentWithdraw},
		"GET /api/v1/account/consents/texts/{hash}":   {Op: AccountRead},
		"GET /api/v1/account/restriction":             {Op: AccountRead},
		"GET /api/v1/donation":                        {Why: "the operator's research sink and its recipient key, the same for everyone"},
		"POST /api/v1/account/donations":              {Op: DonationRelay},
		"PUT /api/v1/account/restriction":             {Op: RecordRestrict},
		"DELETE /api/v1/account/restriction":          {Op: RecordUnrestrict},
		"GET /api/v1/account/usage":                   {Op: AccountRead},

		"POST /api/v1/sessions":                {Op: SessionLogin},
		"POST /api/v1/sessions/passkey":        {Why: "issues a single-use login challenge, the same for every caller and naming no account; the login that answers it is session.login_passkey (session.login when it fails)"},
		"GET /api/v1/sessions":                 {Op: AccountRead},
		"DELETE /api/v1/sessions":              {Op: SessionLogoutAll},
		"DELETE /api/v1/sessions/current":      {Op: SessionLogout},
		"DELETE /api/v1/sessions/{id}":         {Op: SessionEnd},
		"POST /api/v1/session/key":             {Op: SessionKey},
		"GET /api/v1/devices":                  {Op: AccountRead},
		"POST /api/v1/devices/confirm":         {Op: DeviceConfirm},
		"POST /api/v1/devices/confirm/preview": {Why: "shows the pending device to the page a mailed link opens; changes nothing, the confirmation is device.confirm"},
		"PATCH /api/v1/devices/{id}":           {Op: DeviceRename},
		"POST /api/v1/devices/{id}/block":      {Op: DeviceBlock},

		"POST /api/v1/password/change":           {Op: PasswordChange},
		"POST /api/v1/password/recover":          {Op: PasswordRecover},
		"POST /api/v1/password/recover/complete": {Op: PasswordRecoverComplete},
		"POST /api/v1/password/reset":            {Op: PasswordResetStart},
		"POST /api/v1/password/reset/complete":   {Op: PasswordReset},

		"GET /api/v1/records":                                    {Op: AccountRead},
		"GET /api/v1/records/{rid}":                              {Op: RecordRead},
		"GET /api/v1/records/{rid}/manifest":                     {Why: "part of item.list: the owner's client reads the sealed manifest of the record's items once per listing"},
		"PUT /api/v1/records/{rid}/manifest":                     {Why: "part of item.upload and item.delete: the owner's client notes its write in the sealed manifest"},
		"POST /api/v1/records/{rid}/uploads":                     {Why: partOfUpload},
		"GET /api/v1/records/{rid}/uploads/{id}":                 {Why: partOfUpload},
		"PUT /api/v1/records/{rid}/uploads/{id}/chunks/{n}":      {Why: partOfUpload},
		"POST /api/v1/records/{rid}/uploads/{id}/complete":       {Op: ItemUpload},
		"GET /api/v1/records/{rid}/items":                        {Op: ItemList},
		"GET /api/v1/records/{rid}/items/{id}":                   {Op: ItemReadMetadata},
		"GET /api/v1/records/{rid}/items/{id}/content":           {Op: ItemDownload},
		"PUT /api/v1/records/{rid}/items/{id}/meta":              {Op: ItemChangeMetadata},
		"DELETE /api/v1/records/{rid}/items/{id}":                {Op: ItemDelete},
		"GET /api/v1/records/{rid}/representatives":              {Op: AccountRead},
		"POST /api/v1/records/{rid}/representatives":             {Op: RepresentativeAdd},
		"DELETE /api/v1/records/{rid}/representatives/{id}":      {Op: RepresentativeRemove},
		"PUT /api/v1/records/{rid}/representatives/{id}/key":     {Op: RepresentativeChange},
		"POST /api/v1/records/{rid}/representatives/{id}/refuse": {Op: EmergencyRefuse},
		"POST /api/v1/records/{rid}/representatives/accept":      {Op: RepresentativeAccept},
		"POST /api/v1/records/{rid}/representatives/request":     {Op: EmergencyRequest},

		"POST /api/v1/providers":                                         {Op: ProviderRegister},
		"GET /api/v1/providers":                                          {Op: ProviderSearch},
		"GET /api/v1/providers/{id}":                                     {Op: ProviderRead},
		"GET /api/v1/account/provider":                                   {Op: ProviderRead},
		"POST /api/v1/records/{rid}/keys":                                {Why: "part of item.upload: the owner's client adds a new category key version after a grant ended, before it uploads there"},
		"GET /api/v1/records/{rid}/grants":                               {Why: "reads the grants, as record.read reads the keys; the grantee's reads of items are recorded"},
		"POST /api/v1/records/{rid}/grants":                              {Op: GrantCreate},
		"DELETE /api/v1/records/{rid}/grants/{gid}":                      {Op: GrantRevoke},
		"GET /api/v1/records/{rid}/grantees/{id}":                        {Why: "part of grant.create: the patient's client fetches the public key it wraps the keys to"},
		"GET /api/v1/records/{rid}/hidings":                              {Why: "reads the patient's own settings"},
		"PUT /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}":    {Op: GrantHide},
		"DELETE /api/v1/records/{rid}/hidings/{grantee}/{kind}/{object}": {Op: GrantUnhide},
		"GET /api/v1/records/{rid}/blocks":                               {Why: "reads the patient's own settings"},
		"PUT /api/v1/records/{rid}/blocks/{account}":                     {Op: GrantBlock},
		"DELETE /api/v1/records/{rid}/blocks/{account}":                  {Op: GrantUnblock},
		"GET /api/v1/records/{rid}/shares":                               {Why: "reads the patient's own shares and their view logs (each view is share.open)"},
		"POST /api/v1/records/{rid}/shares":                              {Op: ShareCreate},
		"DELETE /api/v1/records/{rid}/shares/{sid}":                      {Op: ShareRevoke},
		"POST /api/v1/shares/open":                                       {Op: ShareOpen},
		"GET /api/v1/shares/{id}/items/{item}/content":                   {Op: ItemDownload},

		"POST /api/v1/accounts/activate":          {Op: AccountActivate},
		"POST /api/v1/insurer/records":            {Op: InsurerOpenRecord},
		"GET /api/v1/records/{rid}/apps":          {Op: AppList},
		"PUT /api/v1/records/{rid}/apps/{app}":    {Op: AppConnect},
		"DELETE /api/v1/records/{rid}/apps/{app}": {Op: AppDisconnect},
		"GET /api/v1/records/{rid}/public-key":    {Why: "part of app.push and insurer.push: the party's client fetches the public key it seals to (refusals are recorded)"},

		"GET /api/v1/dev/mailbox":        {Why: "development outbox, loopback only, no SMTP configured"},
		"GET /api/v1/dev/mailbox/{name}": {Why: "development outbox, loopback only, no SMTP configured"},
	}
}
