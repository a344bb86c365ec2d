// The worker that checks entries and computes the status of vaccinations
// and check-ups with the Go code the CLI runs (cmd/akte-health-wasm,
// decision 0037), loaded only by the pages that show them.
import { serveGo } from './goworker.js';

serveGo('akteHealthReady', 'akteHealth');
