// Package app holds the directory's use cases: projecting the back-office's
// reseller and account events into read models. The directory has no
// behaviour of its own: what makes an event valid is declared with the
// contract (proto-events/rules), and its state is the read-model document
// the edge reads (pkg/readmodel/directory), so the use cases store
// documents.
package app

import (
	"context"
	"log/slog"

	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// AccountRepository stores accounts, keeping only the newest version.
type AccountRepository interface {
	// Save stores a unless a version >= a.Version is already stored;
	// applied says whether it was stored.
	Save(ctx context.Context, a directory.Account) (applied bool, err error)
}

// ResellerRepository stores resellers, keeping only the newest version.
type ResellerRepository interface {
	Save(ctx context.Context, r directory.Reseller) (applied bool, err error)
}

// Application is the directory's set of use cases.
type Application struct {
	Commands Commands
}

// Commands are the directory's state-changing use cases.
type Commands struct {
	ApplyAccount  ApplyAccountHandler
	ApplyReseller ApplyResellerHandler
}

// New wires the use cases to their repositories.
func New(accounts AccountRepository, resellers ResellerRepository, log *slog.Logger) Application {
	return Application{Commands: Commands{
		ApplyAccount:  ApplyAccountHandler{repo: accounts, log: log},
		ApplyReseller: ApplyResellerHandler{repo: resellers, log: log},
	}}
}

// ApplyAccountHandler projects one version of an account.
type ApplyAccountHandler struct {
	repo AccountRepository
	log  *slog.Logger
}

// Handle stores a if it is newer than what is stored. applied is false
// for a replayed or out-of-date version, which changes nothing.
func (h ApplyAccountHandler) Handle(ctx context.Context, a directory.Account) (applied bool, err error) {
	applied, err = h.repo.Save(ctx, a)
	if err == nil && applied {
		h.log.DebugContext(ctx, "account projected", "account_id", a.ID, "reseller_id", a.ResellerID, "version", a.Version)
	}
	return applied, err
}

// ApplyResellerHandler projects one version of a reseller.
type ApplyResellerHandler struct {
	repo ResellerRepository
	log  *slog.Logger
}

// Handle stores r if it is newer than what is stored.
func (h ApplyResellerHandler) Handle(ctx context.Context, r directory.Reseller) (applied bool, err error) {
	applied, err = h.repo.Save(ctx, r)
	if err == nil && applied {
		h.log.DebugContext(ctx, "reseller projected", "reseller_id", r.ID, "parent_id", r.ParentID, "version", r.Version)
	}
	return applied, err
}
