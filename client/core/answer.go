package core

import (
	"github.com/akte/akte"
)

// A lying server can answer one question with the authentic answer to
// another: the user's item B when asked for item A. Everything in B opens,
// since B is the user's own, so the format cannot notice; the client
// compares what came back with what it asked for.

var answerNames = map[string]string{"item": "das Dokument", "upload": "das Hochladen", "account": "das Konto", "category": "die Kategorie", "device": "das Gerät", "record": "die Akte"}

// Expect refuses an answer about got when the client asked about asked
// (what is "item", "upload", "account", "category" or "device"), with
// the reason answer_mismatch.
func Expect(what, asked, got string) error {
	if asked == got {
		return nil
	}
	return akte.R("answer."+what, akte.KindCrypto, "answer_mismatch", map[string]any{"what": what, "asked": asked, "got": got},
		sprintf("Der Server hat auf eine Frage nach %s %q mit %q geantwortet. Die Antwort wurde verworfen.", answerNames[what], asked, got))
}
