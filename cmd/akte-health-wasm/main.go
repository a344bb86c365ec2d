//go:build js && wasm

// Command akte-health-wasm is the browser's part of structured entries and
// services (decision 0037): the same Go code the CLI runs (package
// client/health, with fhir and rules), compiled to WebAssembly apart from
// the client core (cmd/akte-wasm), which has no room for encoding/json and
// the rule data, and loaded only when a page shows entries or a status
// (in a worker, like cmd/akte-audit-wasm).
//
// It exports akteHealth with three functions, each taking one object and
// returning {ok: RESULT} or {error: {code, reason, params, message}}:
//
//	checkEntry({json, today, birth_date})
//	    -> {resource, type, title, date, category}: the resource as it is
//	       sealed (fhir.Marshal), after fhir.Parse and fhir.Check
//	status({service, profile, entries, billing, today})
//	    -> JSON text of [rules.Result]: service "vaccinations" or
//	       "checkups" (of [doctors.Doctor] for "doctors", of
//	       emergency.Summary for "emergency"), profile the sealed
//	       profile's JSON text, entries an array of the current entries'
//	       resource JSON texts, billing one of the insurer's billing
//	       documents (FHIR bundles, decision 0050; doctors only)
//
//	decodePlan({carrier, today})
//	    -> {id, version, author, date, lines, statements}: a medication plan
//	       (BMP) from its DataMatrix content or XML, one character per
//	       ISO-8859-1 byte; statements are the MedicationStatements to seal
//
//	donation({entries, entry_categories, categories, birth_date, sex, key, recipient})
//	    -> {ciphertext, summary}: the research donation's extract
//	       (decision 0048) of the current entries (resource JSON texts,
//	       with their items' categories) of the categories opted in,
//	       pseudonymised and sealed to the pinned age recipient with the
//	       profile's key; ciphertext in base64, summary a JSON text
//
// today is YYYY-MM-DD (the day where the person is); the status is never
// stored.
package main

import (
	"encoding/json"
	"syscall/js"

	"github.com/akte/akte/client/health"
	"github.com/akte/akte/internal/wasmcall"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("checkEntry", wasmcall.Export("health", checkEntry))
	api.Set("status", wasmcall.Export("health", status))
	api.Set("decodePlan", wasmcall.Export("health", decodePlan))
	api.Set("donation", wasmcall.Export("health", donationExtract))
	js.Global().Set("akteHealth", api)
	js.Global().Call("akteHealthReady")
	select {}
}

func strs(a js.Value, name string) []string {
	if a.Type() != js.TypeObject {
		return nil
	}
	v := a.Get(name)
	if v.Type() != js.TypeObject {
		return nil
	}
	out := make([]string, 0, v.Length())
	for i := range v.Length() {
		if x := v.Index(i); x.Type() == js.TypeString {
			out = append(out, x.String())
		}
	}
	return out
}

func checkEntry(a js.Value) (any, error) {
	return health.CheckEntry(wasmcall.Str(a, "json"), wasmcall.Str(a, "today"), wasmcall.Str(a, "birth_date"))
}

func decodePlan(a js.Value) (any, error) {
	out, err := health.DecodePlan(wasmcall.Str(a, "carrier"), wasmcall.Str(a, "today"))
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func donationExtract(a js.Value) (any, error) {
	return health.DonationExtract(strs(a, "entries"), strs(a, "entry_categories"), strs(a, "categories"), wasmcall.Str(a, "birth_date"),
		wasmcall.Str(a, "sex"), wasmcall.Str(a, "key"), wasmcall.Str(a, "recipient"))
}

func status(a js.Value) (any, error) {
	return health.StatusJSON(wasmcall.Str(a, "service"), wasmcall.Str(a, "profile"), strs(a, "entries"), strs(a, "billing"), wasmcall.Str(a, "today"))
}

// jsParams makes an error's parameters values syscall/js can carry
// (numbers as float64, lists as arrays, anything else as its text).
