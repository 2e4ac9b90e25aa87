// Package pagetoken makes the tokens of cursor paging: where a page ended
// (the value of the list's sort key and the id of its last item), opaque
// to the client, bound to the query and the caller it was issued for, and
// tamper-evident (HMAC-SHA256 with a key every replica shares).
package pagetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is returned for a token that was not issued here, was
// changed, or was issued for another query or caller.
var ErrInvalid = errors.New("invalid page token")

// MaxLength bounds a token; longer input is refused before any work.
const MaxLength = 1024

// Position is where a page ended: the sort key's value of its last item
// (as text; times in RFC 3339 with nanoseconds) and that item's id.
type Position struct {
	Value string `json:"v"`
	ID    string `json:"i"`
}

// Codec issues and reads tokens.
type Codec struct{ key []byte }

// New returns a codec with key (at least 32 bytes).
func New(key []byte) (*Codec, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("page token key: %d bytes, want at least 32", len(key))
	}
	return &Codec{key: key}, nil
}

type payload struct {
	// Query is a digest of what the token is bound to.
	Query []byte `json:"q"`
	Position
}

func digest(binding string) []byte {
	sum := sha256.Sum256([]byte(binding))
	return sum[:16]
}

func (c *Codec) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(b)
	return m.Sum(nil)[:16]
}

// Encode returns the token of p for the query and caller binding names
// (any text that differs when they do).
func (c *Codec) Encode(binding string, p Position) string {
	body, _ := json.Marshal(payload{Query: digest(binding), Position: p}) // cannot fail: strings and bytes
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(c.mac(body))
}

// Decode returns the position of token if it was issued by a codec with
// the same key for the same binding; ErrInvalid otherwise.
func (c *Codec) Decode(binding, token string) (Position, error) {
	if len(token) > MaxLength {
		return Position{}, fmt.Errorf("%w: longer than %d characters", ErrInvalid, MaxLength)
	}
	b64, sig64, ok := strings.Cut(token, ".")
	if !ok {
		return Position{}, ErrInvalid
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, c.mac(body)) {
		return Position{}, ErrInvalid
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Position{}, ErrInvalid
	}
	if !hmac.Equal(p.Query, digest(binding)) {
		return Position{}, fmt.Errorf("%w: it was issued for another query or caller", ErrInvalid)
	}
	return p.Position, nil
}
