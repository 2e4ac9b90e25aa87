package httpserver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/problem"
)

// ReadBody reads the body of c's request, at most limit bytes, before
// anything else does, and puts it back for the handlers to read. It
// returns false for a body over limit: one whose Content-Length says so is
// not read at all, one without is read only up to limit + 1 bytes. The
// caller answers 413 then (BodyTooLarge).
func ReadBody(c *gin.Context, limit int64) (ok bool, err error) {
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody {
		return true, nil
	}
	if r.ContentLength > limit {
		return false, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	_ = r.Body.Close()
	if err != nil {
		return true, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(body)) > limit {
		return false, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true, nil
}

// LimitBody returns middleware that answers a body of more than limit
// bytes with 413 and a problem document stating the limit, and a body
// that cannot be read with 400, before anything reads it.
func LimitBody(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		ok, err := ReadBody(c, limit)
		switch {
		case !ok:
			Fail(c, BodyTooLarge(limit))
		case err != nil:
			Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, "The request body could not be read."))
		default:
			c.Next()
		}
	}
}

// BodyTooLarge is the problem of a body over limit bytes.
func BodyTooLarge(limit int64) problem.Problem {
	return problem.New(http.StatusRequestEntityTooLarge, problem.TypeBodyTooLarge,
		fmt.Sprintf("The request body is larger than %s, the most this endpoint accepts.", Size(limit)))
}

// Size says n bytes in the largest binary unit that divides it ("64 KiB").
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
