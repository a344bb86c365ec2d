package akte

import "time"

// RecordID identifies a record. The client chooses it at random when it
// creates the record keys, because the key slots are bound to it before the
// server has assigned anything; the server keeps it opaque.
type RecordID string

// CategoryID names a category of the record (design §5). Ids are stable:
// they are bound into the category key slots.
type CategoryID string

// Category is one category of the record: its id, its names and whether
// grants to others may include it.
type Category struct {
	ID     CategoryID
	NameDE string
	NameEN string
	// Grants is false for the patient's private area: nobody else sees it,
	// not even with a whole-record grant.
	Grants bool
}

// Categories returns the categories of a record, in display order. The list
// is data, not code: a category is added by appending here, never by
// renaming or reordering an id.
func Categories() []Category {
	return []Category{
		{"findings", "Befunde", "Findings", true},
		{"letters", "Arztbriefe", "Doctor's letters", true},
		{"discharge", "Entlassbriefe", "Discharge letters", true},
		{"diagnoses", "Diagnosen", "Diagnoses", true},
		{"images", "Medizinische Bilder", "Medical images", true},
		{"vaccinations", "Impfpass", "Vaccinations", true},
		{"maternity", "Mutterpass", "Maternity record", true},
		{"child-exams", "Kinderuntersuchungsheft", "Child examinations", true},
		{"dental", "Zahnbonusheft", "Dental bonus booklet", true},
		{"medication", "Medikation und Medikationsplan", "Medication and medication plan", true},
		{"care", "Pflegedokumentation", "Care documentation", true},
		{"therapy", "Therapiedokumentation", "Therapy documentation", true},
		{"patient-info", "Patienteninformationen", "Patient information", true},
		{"apps", "Daten aus Gesundheitsanwendungen (DiGA)", "App data (DiGA)", true},
		{"billing", "Abrechnungsdaten der Krankenkasse", "Billing data of the insurer", true},
		{"emergency", "Notfalldaten", "Emergency data", true},
		{"private", "Eigene Dokumente (privat)", "Own documents (private)", false},
	}
}

// CategoryByID returns the category with the id.
func CategoryByID(id CategoryID) (Category, bool) {
	for _, c := range Categories() {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// CategoryKey is one version of a category key, wrapped under the record
// master key (a slot of type seal.CategoryKey bound to
// seal.CategoryKeyID(record, category, version)).
type CategoryKey struct {
	Category CategoryID
	Version  uint32
	KeyByRMK []byte
	// CreatedAt is when the version was added (a rotation after a grant
	// ended); zero for the versions made with the record.
	CreatedAt time.Time
}

// Record holds the keys of one patient's record (design §4.1) and its
// quota. Every secret in it is wrapped on the client; the server stores and
// returns it verbatim. A record belongs to exactly one account.
type Record struct {
	AccountID AccountID
	ID        RecordID
	// RMKByUMK is the record master key in a slot under the owner's user
	// master key.
	RMKByUMK []byte
	// PublicKey is the record's HPKE public key: the write-only inbox.
	PublicKey []byte
	// PrivateKeyByRMK is the matching private key in a slot under the RMK.
	PrivateKeyByRMK []byte
	// CategoryKeys holds every version of every category key, ordered by
	// category and version.
	CategoryKeys []CategoryKey
	// Quota is the most ciphertext bytes the record may hold; 0 means the
	// server's default.
	Quota     int64
	CreatedAt time.Time
}
