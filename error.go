// Package akte holds the domain types of the Akte health record, the error
// kinds shared by server and client, and the storage interfaces that every
// backend implements. It imports nothing else of the project.
package akte

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind classifies an error so that the API can map it to a status code and
// the client can map it back. The list is append-only: kinds are part of the
// wire format (their String is the error code in API responses).
type Kind uint8

const (
	KindOther             Kind = iota // unclassified; reported as internal
	KindInvalid                       // the request is malformed or violates a rule
	KindUnauthenticated               // no valid session or credentials
	KindForbidden                     // authenticated but not allowed
	KindNotFound                      // the object does not exist (or is not visible)
	KindConflict                      // the object exists already or changed concurrently
	KindTooLarge                      // the body or object exceeds a limit
	KindRateLimited                   // too many attempts; retry later
	KindUnavailable                   // a dependency is down; retry later
	KindExpired                       // a code, link or session is past its validity
	KindUsed                          // a single-use code or link was used already
	KindDeviceUnconfirmed             // the device must be confirmed by e-mail first
	KindBlocked                       // the account or device is blocked
	KindUnsupportedMedia              // wrong content type
	KindQuota                         // the record's quota would be exceeded
	KindCrypto                        // ciphertext failed to verify or decrypt
	KindInternal                      // a bug or unexpected failure; details only in the log
)

var kindNames = [...]string{
	KindOther:             "internal",
	KindInvalid:           "invalid",
	KindUnauthenticated:   "unauthenticated",
	KindForbidden:         "forbidden",
	KindNotFound:          "not_found",
	KindConflict:          "conflict",
	KindTooLarge:          "too_large",
	KindRateLimited:       "rate_limited",
	KindUnavailable:       "unavailable",
	KindExpired:           "expired",
	KindUsed:              "used",
	KindDeviceUnconfirmed: "device_unconfirmed",
	KindBlocked:           "blocked",
	KindUnsupportedMedia:  "unsupported_media_type",
	KindQuota:             "quota_exceeded",
	KindCrypto:            "crypto",
	KindInternal:          "internal",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// KindFromCode maps an API error code back to its Kind (KindOther if unknown).
func KindFromCode(code string) Kind {
	for k, name := range kindNames {
		if name == code && Kind(k) != KindOther {
			return Kind(k)
		}
	}
	return KindOther
}

// Error is the one error shape of the project. What a person reads about
// it is the text of its Reason (or, without one, of its Kind's code) in
// the clients' catalogues (package catalog), in the person's language;
// Err carries internals for the log only.
type Error struct {
	Op   string // operation, e.g. "account.create"
	Kind Kind
	// Reason is a stable, machine-readable code of what went wrong
	// (snake_case, e.g. "password_too_short"); clients translate it from
	// their catalogues, which must hold it (catalog/reasons.go lists
	// them). Empty: the Kind says enough.
	Reason string
	// Params are the values a translation of Reason needs, e.g.
	// {"min": 12, "got": 7}. Never secrets or health data.
	Params map[string]any
	// Message is an optional note in English for developers and
	// operators, never a sentence for the people who use a client: the
	// server's packages leave it empty. An error a client rebuilt from an
	// API answer carries the answer's English message here.
	Message string
	Err     error // underlying cause, never shown to users
}

func (e *Error) Error() string {
	s := e.Op
	switch {
	case e.Message != "":
		s += ": " + e.Message
	case e.Reason != "":
		s += ": " + e.Reason + paramsText(e.Params)
	case e.Kind != KindOther:
		s += ": " + e.Kind.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// paramsText writes a reason's parameters for developers, " {k=v ...}" in
// the order of their names. It does without fmt, whose reflection the
// WebAssembly core cannot afford (decision 0017).
func paramsText(p map[string]any) string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(" {")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=")
		switch v := p[k].(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case uint32:
			b.WriteString(strconv.FormatUint(uint64(v), 10))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		case bool:
			b.WriteString(strconv.FormatBool(v))
		default:
			b.WriteString("?")
		}
	}
	b.WriteByte('}')
	return b.String()
}

// E builds an *Error. Message may be empty.
func E(op string, kind Kind, msg string, err error) *Error {
	return &Error{Op: op, Kind: kind, Message: msg, Err: err}
}

// R builds an *Error with a reason code and its parameters (params may be
// nil) and an optional note for developers (msg, see Error.Message).
func R(op string, kind Kind, reason string, params map[string]any, msg string) *Error {
	return &Error{Op: op, Kind: kind, Reason: reason, Params: params, Message: msg}
}

// Errorf builds an *Error with a formatted message and no cause.
func Errorf(op string, kind Kind, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of the outermost *Error in err's chain that has
// one, or KindOther.
func KindOf(err error) Kind {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return KindOther
		}
		if e.Kind != KindOther {
			return e.Kind
		}
		err = e.Err
	}
	return KindOther
}

// Is reports whether err has the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// MessageOf returns the first message (Error.Message) in err's chain, or "".
func MessageOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Message != "" {
			return e.Message
		}
		err = e.Err
	}
	return ""
}

// ReasonOf returns the reason code and parameters of the outermost *Error
// in err's chain that has a reason, or "" and nil.
func ReasonOf(err error) (string, map[string]any) {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return "", nil
		}
		if e.Reason != "" {
			return e.Reason, e.Params
		}
		err = e.Err
	}
	return "", nil
}
