// The worker that runs the Go client core (cmd/akte-wasm). Argon2id takes
// about a second in WebAssembly: off the main thread the page stays
// responsive. It tells the page when the core is ready (id 0).
import { serveGo } from './goworker.js';

serveGo('akteCoreReady', 'akteCore', { announce: true });
