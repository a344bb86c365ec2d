// Passkeys (WebAuthn) on the page's side: the server's options (JSON,
// binary members base64url) become the browser's, and the credential the
// browser returns becomes JSON for the server. navigator.credentials
// exists only in a page, not in the crypto worker; nothing secret passes
// here (the password stays with the worker).
import { fail } from './i18n.js';
import { b64, unb64 } from './bytes.js';

// base64url without padding, as the server's WebAuthn library writes it.
const dec = (s) => unb64(s.replace(/-/g, '+').replace(/_/g, '/'));
const enc = (buf) => b64(new Uint8Array(buf)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const descriptors = (list) => (list || []).map((c) => ({ ...c, id: dec(c.id) }));

// passkeysSupported tells whether this browser can use passkeys at all.
export const passkeysSupported = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

function toJSON(c) {
  const r = c.response;
  const response = { clientDataJSON: enc(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = enc(r.attestationObject);
    response.transports = r.getTransports?.() || [];
  } else {
    response.authenticatorData = enc(r.authenticatorData);
    response.signature = enc(r.signature);
    if (r.userHandle) response.userHandle = enc(r.userHandle);
  }
  return { id: c.id, rawId: enc(c.rawId), type: c.type, response, clientExtensionResults: c.getClientExtensionResults?.() || {} };
}

// ceremony runs navigator.credentials and says a refusal in words: the
// person cancelled, the time ran out, or the authenticator has no passkey
// for this site.
async function ceremony(f) {
  if (!passkeysSupported()) throw fail('Dieser Browser unterstützt keine Passkeys.', 'This browser does not support passkeys.');
  try {
    return toJSON(await f());
  } catch (e) {
    if (e?.name === 'InvalidStateError')
      throw fail('Dieser Passkey ist schon hinzugefügt.', 'This passkey has already been added.');
    if (e?.name === 'NotAllowedError' || e?.name === 'AbortError')
      throw fail('Der Passkey wurde nicht bestätigt (abgebrochen oder zu spät).', 'The passkey was not confirmed (cancelled or too late).');
    throw fail(`Der Passkey funktioniert hier nicht (${e?.name || e}).`, `The passkey does not work here (${e?.name || e}).`);
  }
}

// createPasskey answers the options of POST /account/passkeys/new.
export function createPasskey(options) {
  const pk = options.publicKey;
  const publicKey = { ...pk, challenge: dec(pk.challenge), user: { ...pk.user, id: dec(pk.user.id) }, excludeCredentials: descriptors(pk.excludeCredentials) };
  return ceremony(() => navigator.credentials.create({ publicKey }));
}

// getPasskey answers the options of POST /sessions/passkey.
export function getPasskey(options) {
  const pk = options.publicKey;
  const publicKey = { ...pk, challenge: dec(pk.challenge), allowCredentials: descriptors(pk.allowCredentials) };
  return ceremony(() => navigator.credentials.get({ publicKey }));
}
