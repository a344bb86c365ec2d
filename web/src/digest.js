// The plaintext digest of client/core (Digester), on WebCrypto: used by the
// upload worker (web/src/work.js) for the file an upload sends and by the
// page for what a download gave.
import { concat } from './seal.js';
import { hex } from './bytes.js';

export const sha256 = async (b) => new Uint8Array(await crypto.subtle.digest('SHA-256', b));

// Digester is the plaintext digest of client/core (Digester): SHA-256 over
// "akte plaintext digest v1", a zero byte, and the SHA-256 of each MiB of
// the plaintext. Pieces let WebCrypto, which has no streaming hash, do it.
export const PIECE = 1 << 20;
const DIGEST_PREFIX = new TextEncoder().encode('akte plaintext digest v1\0');
export class Digester {
  hashes = [];
  parts = [];
  n = 0;
  async push(b) {
    while (b.length) {
      const k = Math.min(b.length, PIECE - this.n);
      this.parts.push(b.subarray(0, k));
      this.n += k;
      b = b.subarray(k);
      if (this.n === PIECE) await this.#flush();
    }
  }
  async #flush() {
    this.hashes.push(await sha256(concat(...this.parts)));
    this.parts = [];
    this.n = 0;
  }
  async sum() {
    if (this.n > 0 || !this.hashes.length) await this.#flush();
    return hex(await sha256(concat(DIGEST_PREFIX, ...this.hashes)));
  }
}
