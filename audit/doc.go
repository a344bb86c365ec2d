// Package audit is Akte's tamper-evident protocol: the format of its
// events, the Merkle trees they form, the signed checkpoints, the proofs,
// and the client's verifier; and, as pure functions over events, the
// retention rules, the alarm detection and the exports (FHIR here, PDF in
// auditpdf). It has no storage, no HTTP and no globals beyond constant
// tables, and it compiles to WebAssembly: the browser verifies with the
// same code as the CLI. docs/audit.md specifies the format.
//
// Each record has a log, and the system one more (events that concern no
// record). A log is an RFC 6962 Merkle tree in the layout of
// golang.org/x/mod/sumdb/tlog whose leaves are the canonical encoding of
// events (Leaf). The server signs checkpoints (C2SP tlog-checkpoint, as a
// signed note with ECDSA P-256) and answers every read with a Page: the
// checkpoint, a consistency proof from the size the client saw last, and
// the events with a proof that they are leaves of the signed tree.
//
// Threat model. The server, its operator, or whoever holds a copy of its
// database may edit, delete, insert or reorder event rows, roll the
// database back, or show one client a history that differs from the one
// it showed before. A client that pinned the server's key on first use and
// keeps the last checkpoint it verified detects each of these and names it
// (Verify's Reasons): edits change a leaf, deletions leave a gap in a
// range, inserted rows are not in the signed tree, a rollback shrinks the
// tree or its time, a rewritten history cannot be proven consistent with
// the checkpoint the client kept. What the log cannot prove: that the
// server recorded an event at all (a server that never writes the event
// of an access is caught only by what the client itself knows it did), and
// anything to a client on its first visit beyond the signature (trust on
// first use; a later issue may add witnesses that cosign checkpoints).
// Retention deletes rows and forgets client addresses; the tree's hashes
// stay, so every proof keeps working, and a client tells documented
// retention (a prefix, never the newest KeepNewest) from deletion.
package audit
