package ports

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// WithPageTokens sets the codec of cursor paging's tokens (the edge's
// PAGE_TOKEN_KEY, the same on every replica).
func (h *HTTP) WithPageTokens(c *pagetoken.Codec) *HTTP {
	h.tokens = c
	return h
}

// accountsBinding is what an account list's page token is bound to: the
// caller and every filter and the sort (not the page size, which a walk
// may change).
func accountsBinding(c app.Caller, f app.AccountFilter) string {
	return strings.Join([]string{"accounts", c.ResellerID, c.Subject, f.Status, f.Search, f.UpdatedSince.UTC().Format(time.RFC3339Nano),
		f.Sort.Field, strconv.FormatBool(f.Sort.Desc), strconv.FormatBool(f.IncludeDownstream)}, "\x00")
}

// accountPosition is where a page ending with a ends in f's sort.
func accountPosition(a directory.Account, f app.AccountFilter) pagetoken.Position {
	switch f.Sort.Field {
	case "createdAt":
		return pagetoken.Position{Value: a.CreatedAt.UTC().Format(time.RFC3339Nano), ID: a.ID}
	case "updatedAt":
		return pagetoken.Position{Value: a.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: a.ID}
	}
	return pagetoken.Position{Value: a.Name, ID: a.ID}
}

// listAccountsAfter serves a page of GET /api/accounts by pageToken.
func (h *HTTP) listAccountsAfter(c *gin.Context, params ListAccountsParams, f app.AccountFilter) {
	if params.PageIndex != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
			"pageToken and pageIndex page the list two ways: send one of them."))
		return
	}
	page, ok := pageOf(c, paging.BSS, nil, params.PageSize)
	if !ok {
		return
	}
	binding := accountsBinding(caller(c), f)
	after, err := h.tokens.Decode(binding, *params.PageToken)
	if err != nil {
		httpserver.Fail(c, badPageToken(err))
		return
	}
	accounts, err := h.app.Queries.ListAccounts.After(c.Request.Context(), caller(c), f, &after, page.Size+1)
	if errors.Is(err, pagetoken.ErrInvalid) {
		httpserver.Fail(c, badPageToken(err))
		return
	}
	if err != nil {
		h.fail(c, err)
		return
	}
	list := AccountList{}
	if len(accounts) > page.Size {
		accounts = accounts[:page.Size]
		next := h.tokens.Encode(binding, accountPosition(accounts[len(accounts)-1], f))
		list.NextPageToken = &next
		c.Header("Link", paging.NextLink(c.Request.URL, page.Size, next))
	}
	list.Data = make([]Account, len(accounts))
	optionals := make([]string, 0, 4*len(accounts))
	for i, a := range accounts {
		list.Data[i] = accountResponse(a, &optionals)
	}
	c.Header("Cache-Control", "private, no-store")
	writeJSON(c, http.StatusOK, list)
}

func badPageToken(err error) problem.Problem {
	return problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
		"The pageToken is not one this list issued for these filters and this caller ("+err.Error()+"): start again without it.")
}
