// The worker that verifies the record's protocol with the Go code the CLI
// runs (cmd/akte-audit-wasm, docs/audit.md §6), off the main thread so the
// page stays responsive while thousands of events are hashed.
import { serveGo } from './goworker.js';

serveGo('akteAuditReady', 'akteAudit');
