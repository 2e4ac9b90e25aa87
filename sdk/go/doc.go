// Package resellerapi is the Go SDK of the Reseller API.
//
// The HTTP client and every type of the API are generated from the edge's
// OpenAPI document into package api (make api; CI fails when they are
// stale). This package is the small layer a reseller's integration calls:
//
//   - [PasswordLogin] and [ClientCredentials] are token sources on
//     golang.org/x/oauth2 (tokens are refreshed when they expire), and
//     [WithManagerToken] sends a manager's X-Api-Token instead;
//   - every call is retried with exponential back-off and jitter on 5xx
//     answers, on 429 (honouring Retry-After) and on transport errors;
//   - [Client.Accounts], [Client.Products], [Client.Invoices] and
//     [Client.Resellers] are iterators (iter.Seq2) that follow the list's
//     cursor to its end, with no depth limit;
//   - an answer that is not a success is an [*Error] carrying the RFC 9457
//     problem document, or the JSON:API error objects of the reseller routes.
package resellerapi
