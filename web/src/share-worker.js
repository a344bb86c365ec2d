// The worker that derives a share's id, key and proof from its secret and
// password with the Go code the CLI runs (cmd/akte-share-wasm, decision
// 0042), loaded only by the share page.
import { serveGo } from './goworker.js';

serveGo('akteShareReady', 'akteShare');
