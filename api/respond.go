package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// statusOf is the one table from error Kind to HTTP status.
var statusOf = map[akte.Kind]int{
	akte.KindInvalid:           http.StatusBadRequest,
	akte.KindUnauthenticated:   http.StatusUnauthorized,
	akte.KindForbidden:         http.StatusForbidden,
	akte.KindNotFound:          http.StatusNotFound,
	akte.KindConflict:          http.StatusConflict,
	akte.KindTooLarge:          http.StatusRequestEntityTooLarge,
	akte.KindRateLimited:       http.StatusTooManyRequests,
	akte.KindUnavailable:       http.StatusServiceUnavailable,
	akte.KindExpired:           http.StatusGone,
	akte.KindUsed:              http.StatusConflict,
	akte.KindDeviceUnconfirmed: http.StatusForbidden,
	akte.KindBlocked:           http.StatusForbidden,
	akte.KindUnsupportedMedia:  http.StatusUnsupportedMediaType,
	akte.KindQuota:             http.StatusRequestEntityTooLarge,
	akte.KindCrypto:            http.StatusBadRequest,
	akte.KindInternal:          http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail = wire.ErrorDetail

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// writeError answers with the error shape of design §8. Only the error's
// person-readable message leaves the server; everything else goes to the log.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := akte.KindOf(err)
	status, ok := statusOf[kind]
	if !ok {
		kind, status = akte.KindInternal, http.StatusInternalServerError
	}
	msg := akte.MessageOf(err)
	if msg == "" || status == http.StatusInternalServerError {
		msg = "Interner Fehler. Bitte später erneut versuchen."
	}
	if status >= 500 {
		a.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	var ra service.RetryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(int((time.Duration(ra)+time.Second-1)/time.Second)))
	}
	reason, params := akte.ReasonOf(err)
	if reason == "" || status == http.StatusInternalServerError {
		reason, params = kind.String(), nil
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: kind.String(), Reason: reason, Params: params, Message: msg}})
}

// logValue keeps request logging to what is safe: never bodies, never
// query strings (they may carry tokens).
func logAttrs(r *http.Request, status int, d time.Duration) []any {
	return []any{slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Int("status", status), slog.Duration("duration", d)}
}
