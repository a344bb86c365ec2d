package seal_test

import (
	"bytes"
	"fmt"
	"io"
	"log"

	"github.com/akte/akte/seal"
)

// An item's content is a stream under its item key; the item key goes into
// a slot under the category key, bound to the item id.
func Example() {
	itemKey := seal.NewKey()
	var blob bytes.Buffer
	w, err := seal.NewWriter(&blob, itemKey)
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(w, "Befund: unauffällig")
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	categoryKey := seal.NewKey()
	slot, err := seal.WrapKey(seal.ViaKey, categoryKey, seal.ItemKey, "item-1", itemKey)
	if err != nil {
		log.Fatal(err)
	}

	// Later, on another device that holds the category key.
	k, err := seal.UnwrapKey(seal.ViaKey, categoryKey, seal.ItemKey, "item-1", slot)
	if err != nil {
		log.Fatal(err)
	}
	r, err := seal.NewReader(&blob, k)
	if err != nil {
		log.Fatal(err)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(text))
	// Output: Befund: unauffällig
}

// Granting one document to a doctor wraps its item key to the doctor's
// public key; only the doctor's private key opens it.
func ExampleSealTo() {
	doctorPub, doctorPriv, err := seal.NewKeyPair()
	if err != nil {
		log.Fatal(err)
	}
	itemKey := seal.NewKey()
	slot, err := seal.WrapKey(seal.ViaPublicKey, doctorPub, seal.ItemKey, "item-1", itemKey)
	if err != nil {
		log.Fatal(err)
	}
	k, err := seal.UnwrapKey(seal.ViaPublicKey, doctorPriv, seal.ItemKey, "item-1", slot)
	fmt.Println(bytes.Equal(k, itemKey), err)
	// Output: true <nil>
}

func ExampleCiphertextSize() {
	fmt.Println(seal.CiphertextSize(0, seal.DefaultSegmentSize))
	fmt.Println(seal.CiphertextSize(5<<20, seal.DefaultSegmentSize))
	// Output:
	// 93
	// 5243037
}
