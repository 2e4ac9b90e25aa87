// Package users is the use cases of Application Users: the reseller's
// developers who log in through the API (the password grant).
package users

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Repository stores Application Users.
type Repository interface {
	// Create returns domain.ErrConflict when the username is taken.
	Create(ctx context.Context, u domain.AppUser) error
	ByUsername(ctx context.Context, username string) (domain.AppUser, error)
	ByID(ctx context.Context, id string) (domain.AppUser, error)
	// Update replaces the user stored at version previous with u;
	// domain.ErrConflict when it changed meanwhile.
	Update(ctx context.Context, u domain.AppUser, previous int64) error
	Delete(ctx context.Context, id string) error
	// List returns one page of users of resellerID, or of every reseller
	// when resellerID is "", ordered by username; with a search, only
	// those whose username or email contains it, ignoring case.
	List(ctx context.Context, resellerID, search string, page paging.Request) ([]domain.AppUser, int64, error)
}

// PasswordHasher hashes Application User passwords with a slow hash.
type PasswordHasher interface {
	Hash(password string) ([]byte, error)
}

// Resellers are the resellers auth knows of.
type Resellers interface {
	Get(ctx context.Context, id string) (domain.Reseller, error)
	// Names returns the names of the given resellers by id.
	Names(ctx context.Context, ids []string) (map[string]string, error)
}

// UserEvents tells the edge about Application Users, so that it refuses
// the access tokens of a disabled or deleted user, or those issued before
// a password change, without asking auth.
type UserEvents interface {
	UserChanged(ctx context.Context, u domain.AppUser, deleted bool) error
}

// RefreshTokenRevoker revokes refresh tokens: every one of a subject, or
// the family of one token (by its signature) if it was issued to client.
type RefreshTokenRevoker interface {
	RevokeSubject(ctx context.Context, subject string) error
	RevokeFamily(ctx context.Context, signature, client string) (bool, error)
}

// Deps are what the Application Users' use cases need.
type Deps struct {
	Users     Repository
	Resellers Resellers
	// Active refuses new users while the Reseller API is not active
	// (credentials.Handlers.Active).
	Active    func(context.Context) error
	Passwords PasswordHasher
	Events    UserEvents
	// RefreshTokens may be nil: no refresh tokens to revoke then.
	RefreshTokens RefreshTokenRevoker
	Trail         audit.Trail
	Now           func() time.Time
}

// Handlers are the use cases of Application Users: create, list, read,
// change (e-mail, password, disabled) and delete.
type Handlers struct {
	users         Repository
	resellers     Resellers
	active        func(context.Context) error
	passwords     PasswordHasher
	events        UserEvents
	refreshTokens RefreshTokenRevoker
	trail         audit.Trail
	now           func() time.Time
}

// New returns the Application Users' use cases.
func New(d Deps) *Handlers {
	return &Handlers{users: d.Users, resellers: d.Resellers, active: d.Active, passwords: d.Passwords, events: d.Events,
		refreshTokens: d.RefreshTokens, trail: d.Trail, now: d.Now}
}

// Get returns user id of reseller resellerID with its reseller's name; a
// user of another reseller is domain.ErrNotFound.
func (h *Handlers) Get(ctx context.Context, resellerID, id string) (UserView, error) {
	u, err := h.users.ByID(ctx, id)
	if err == nil && u.ResellerID != resellerID {
		err = fmt.Errorf("%w: application user %s", domain.ErrNotFound, id)
	}
	if err != nil {
		return UserView{}, err
	}
	names, err := h.resellers.Names(ctx, []string{u.ResellerID})
	if err != nil {
		return UserView{}, err
	}
	return UserView{AppUser: u, Account: names[u.ResellerID]}, nil
}

// Update applies change to user id of resellerID, stores it as the next
// version (compare-and-set) and announces it. A new password or disabling
// sets the time before which the user's access tokens are refused. If the
// announcement fails the call fails; repeating it announces again.
func (h *Handlers) Update(ctx context.Context, resellerID, id string, change domain.UserChange) (UserView, error) {
	view, err := h.Get(ctx, resellerID, id)
	if err != nil {
		return UserView{}, err
	}
	u := view.AppUser
	if err := change.Validate(u); err != nil {
		return UserView{}, err
	}
	previous := u.Version
	now := h.now().UTC().Truncate(time.Millisecond)
	if change.Email != nil {
		u.Email = *change.Email
	}
	if change.Password != nil {
		if u.PasswordHash, err = h.passwords.Hash(*change.Password); err != nil {
			return UserView{}, fmt.Errorf("hash password: %w", err)
		}
		u.TokensNotBefore = now
	}
	if change.Disabled != nil {
		if *change.Disabled && !u.Disabled {
			u.TokensNotBefore = now
		}
		u.Disabled = *change.Disabled
	}
	u.Version = max(previous, 1) + 1
	if err := h.users.Update(ctx, u, previous); err != nil {
		return UserView{}, err
	}
	if !u.TokensNotBefore.Equal(view.TokensNotBefore) && h.refreshTokens != nil {
		// A new password or disabling ends the user's sessions.
		if err := h.refreshTokens.RevokeSubject(ctx, u.ID); err != nil {
			return UserView{}, err
		}
	}
	if err := h.events.UserChanged(ctx, u, false); err != nil {
		return UserView{}, fmt.Errorf("announce application user %s: %w", u.ID, err)
	}
	h.trail.Note(ctx, slog.LevelInfo, "application user changed", audit.Record{Kind: "user.changed", Subject: u.ID, ResellerID: u.ResellerID,
		Detail: change.Describe()}, "user_id", u.ID, "reseller_id", u.ResellerID, "version", u.Version, "disabled", u.Disabled,
		"password_changed", change.Password != nil)
	view.AppUser = u
	return view, nil
}

// Delete removes user id of resellerID. It announces the deletion first
// (the edge then refuses the user's tokens) and removes the user after; if
// the removal fails, repeating the call finishes it.
func (h *Handlers) Delete(ctx context.Context, resellerID, id string) error {
	view, err := h.Get(ctx, resellerID, id)
	if err != nil {
		return err
	}
	u := view.AppUser
	u.Version = max(u.Version, 1) + 1
	u.TokensNotBefore = h.now().UTC().Truncate(time.Millisecond)
	if err := h.events.UserChanged(ctx, u, true); err != nil {
		return fmt.Errorf("announce deletion of application user %s: %w", u.ID, err)
	}
	if h.refreshTokens != nil {
		if err := h.refreshTokens.RevokeSubject(ctx, u.ID); err != nil {
			return err
		}
	}
	if err := h.users.Delete(ctx, u.ID); err != nil {
		return err
	}
	h.trail.Note(ctx, slog.LevelInfo, "application user deleted", audit.Record{Kind: "user.deleted", Subject: u.ID, ResellerID: u.ResellerID}, "user_id", u.ID, "reseller_id", u.ResellerID)
	return nil
}

// Create creates an Application User for an existing reseller and returns
// it with the reseller's name. It is refused while the Reseller API
// credentials do not exist.
func (h *Handlers) Create(ctx context.Context, req domain.NewUserRequest) (UserView, error) {
	reseller, err := h.resellers.Get(ctx, req.ResellerID)
	if err != nil {
		return UserView{}, err
	}
	if err := h.active(ctx); err != nil {
		return UserView{}, err
	}
	if err := req.Validate(); err != nil {
		return UserView{}, err
	}
	hash, err := h.passwords.Hash(req.Password)
	if err != nil {
		return UserView{}, fmt.Errorf("hash password: %w", err)
	}
	u := domain.AppUser{
		ID: uuid.Must(uuid.NewV7()).String(), ResellerID: req.ResellerID, Username: req.Username, Email: req.Email,
		PasswordHash: hash, CreatedAt: h.now().UTC().Truncate(time.Millisecond), Version: 1,
	}
	if err := h.users.Create(ctx, u); err != nil {
		return UserView{}, err
	}
	h.trail.Logger().InfoContext(ctx, "application user created", "user_id", u.ID, "reseller_id", u.ResellerID, "username", u.Username)
	// The edge needs no word of an active user it never heard of; the
	// event is for the audit trail, so a failure is logged, not returned.
	if err := h.events.UserChanged(ctx, u, false); err != nil {
		h.trail.Logger().WarnContext(ctx, "application user created but not announced", "user_id", u.ID, "error", err.Error())
	}
	return UserView{AppUser: u, Account: reseller.Name}, nil
}

// UserView is an Application User as listed: with its reseller's name as
// the account.
type UserView struct {
	domain.AppUser
	Account string
}

// List lists one page of the users of resellerID (an existing reseller),
// or of all resellers when resellerID is "", whose username or email
// contains search ("" for all).
func (h *Handlers) List(ctx context.Context, resellerID, search string, page paging.Request) ([]UserView, int64, error) {
	if resellerID != "" {
		if _, err := h.resellers.Get(ctx, resellerID); err != nil {
			return nil, 0, err
		}
	}
	users, total, err := h.users.List(ctx, resellerID, search, page)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.ResellerID)
	}
	names, err := h.resellers.Names(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	views := make([]UserView, len(users))
	for i, u := range users {
		views[i] = UserView{AppUser: u, Account: names[u.ResellerID]}
	}
	return views, total, nil
}

// ByID returns the user with id.
func (h *Handlers) ByID(ctx context.Context, id string) (domain.AppUser, error) {
	return h.users.ByID(ctx, id)
}
