package health

import (
	"encoding/base64"
	"encoding/json"

	"github.com/akte/akte"
	"github.com/akte/akte/donation"
)

// DonationExtract is the browser's `akte donate send` before the upload
// (cmd/akte-health-wasm, decision 0048): the extract of the current
// entries (resources[i], the sealed resource's JSON text, in the item
// category entryCategories[i]) of the categories given, pseudonymised and
// sealed to recipient with the profile's key. It returns the ciphertext in
// base64 and the summary as JSON text. The page checked the pin, the
// profile and the ledger before; donation.Make checks key and recipient.
func DonationExtract(resources, entryCategories, categories []string, birth, sex, key, recipient string) (map[string]any, error) {
	if len(resources) != len(entryCategories) {
		return nil, akte.R("donation.send", akte.KindInvalid, "invalid", nil, "")
	}
	var es []donation.Entry
	for i, data := range resources {
		r, err := Open("", data)
		if err != nil {
			continue // the listing said so; the extract holds what opens
		}
		es = append(es, donation.Entry{Category: entryCategories[i], Resource: r})
	}
	ct, sum, err := donation.Make(es, categories, donation.Person{BirthDate: birth, Sex: sex}, key, recipient)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ciphertext": base64.StdEncoding.EncodeToString(ct), "summary": string(b)}, nil
}
