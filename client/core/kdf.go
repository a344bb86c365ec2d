package core

import (
	"bytes"

	"github.com/akte/akte"
)

// The Argon2id parameters of an account come from the server (prelogin,
// account keys). A lying server could ask for cheap ones: the login secret
// it then receives would give the password away in milliseconds, and with
// it every key. So the client holds what it derives with to a floor and a
// ceiling (akte.KDFParams.OutOfBounds, the same bounds the server holds
// clients to) and to its memory of the account: parameters never go down,
// and the salt changes only with a password change. Every refusal comes
// before the derivation, so no login secret leaves the client.

// CheckKDF refuses parameters outside the bounds, with the reason
// kdf_unsupported, kdf_below_floor or kdf_above_ceiling.
func CheckKDF(k akte.KDFParams) error {
	const op = "kdf.check"
	reason, field, limit, got := k.OutOfBounds()
	switch reason {
	case "":
		return nil
	case "kdf_unsupported":
		return akte.R(op, akte.KindCrypto, reason, map[string]any{"alg": k.Alg},
			sprintf("Der Server verlangt ein unbekanntes Verfahren zur Ableitung Ihres Passworts (%q). Es wurde nichts gesendet.", k.Alg))
	case "kdf_below_floor":
		return akte.R(op, akte.KindCrypto, reason, map[string]any{"field": field, "min": limit, "got": got},
			sprintf("Der Server verlangt eine schwächere Absicherung Ihres Passworts als erlaubt (Argon2id-Parameter %s = %d, mindestens %d). "+
				"Es wurde nichts gesendet. Ein Server, der das verlangt, will Ihr Passwort erraten können; bitte wenden Sie sich an den Betreiber.", field, got, limit))
	default:
		return akte.R(op, akte.KindCrypto, reason, map[string]any{"field": field, "max": limit, "got": got},
			sprintf("Der Server verlangt eine Ableitung Ihres Passworts, die dieses Gerät überfordern würde (Argon2id-Parameter %s = %d, höchstens %d). Es wurde nichts gesendet.", field, got, limit))
	}
}

// CheckOffered checks the parameters the server offers for an account
// before the client derives with them: within the bounds (CheckKDF), and,
// if the client used the account before (last is what it used then, nil
// if never), none of memory, time and threads lower than last time
// (reason kdf_downgrade, never accepted: only the client raises them, by
// changing the password) and the same salt (reason kdf_salt_changed). A
// new salt is a re-keying this client did not ask for; it is legitimate
// only when the person changed or reset the password on another device,
// which only the person knows: changedElsewhere says they confirmed that.
func CheckOffered(offered akte.KDFParams, last *akte.KDFParams, changedElsewhere bool) error {
	const op = "kdf.check"
	if err := CheckKDF(offered); err != nil {
		return err
	}
	if last == nil || last.Alg == "" {
		return nil
	}
	for _, p := range []struct {
		field     string
		got, last uint32
	}{{"memory", offered.Memory, last.Memory}, {"time", offered.Time, last.Time}, {"threads", uint32(offered.Threads), uint32(last.Threads)}} {
		if p.got < p.last {
			return akte.R(op, akte.KindCrypto, "kdf_downgrade", map[string]any{"field": p.field, "last": p.last, "got": p.got},
				sprintf("Der Server verlangt eine schwächere Absicherung Ihres Passworts als bei der letzten Anmeldung auf diesem Gerät (Argon2id-Parameter %s = %d, zuletzt %d). "+
					"Es wurde nichts gesendet. Die Absicherung wird nur stärker, und nur wenn Sie selbst das Passwort ändern.", p.field, p.got, p.last))
		}
	}
	if !bytes.Equal(offered.Salt, last.Salt) && !changedElsewhere {
		return akte.R(op, akte.KindCrypto, "kdf_salt_changed", nil,
			"Die Passwort-Parameter Ihres Kontos wurden seit der letzten Anmeldung auf diesem Gerät neu festgelegt, nicht von diesem Gerät. Es wurde nichts gesendet. "+
				"Das ist richtig, wenn Sie Ihr Passwort auf einem anderen Gerät geändert oder zurückgesetzt haben – dann bestätigen Sie das bei der Anmeldung. "+
				"Wenn nicht, verlangt der Server eine Neuverschlüsselung, die Sie nicht veranlasst haben.")
	}
	return nil
}
