package app

import (
	"context"
	"fmt"
	"time"

	"github.com/resellerapi/platform/services/auth/internal/domain"
)

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

// UserHandlers are the use cases of one Application User: read, change
// (e-mail, password, disabled), delete.
type UserHandlers struct{ d Deps }

// Get returns user id of reseller resellerID with its reseller's name; a
// user of another reseller is domain.ErrNotFound.
func (h UserHandlers) Get(ctx context.Context, resellerID, id string) (UserView, error) {
	u, err := h.d.Users.ByID(ctx, id)
	if err == nil && u.ResellerID != resellerID {
		err = fmt.Errorf("%w: application user %s", domain.ErrNotFound, id)
	}
	if err != nil {
		return UserView{}, err
	}
	names, err := h.d.Resellers.Names(ctx, []string{u.ResellerID})
	if err != nil {
		return UserView{}, err
	}
	return UserView{AppUser: u, Account: names[u.ResellerID]}, nil
}

// Update applies change to user id of resellerID, stores it as the next
// version (compare-and-set) and announces it. A new password or disabling
// sets the time before which the user's access tokens are refused. If the
// announcement fails the call fails; repeating it announces again.
func (h UserHandlers) Update(ctx context.Context, resellerID, id string, change domain.UserChange) (UserView, error) {
	view, err := h.Get(ctx, resellerID, id)
	if err != nil {
		return UserView{}, err
	}
	u := view.AppUser
	if err := change.Validate(u); err != nil {
		return UserView{}, err
	}
	previous := u.Version
	now := h.d.Now().UTC().Truncate(time.Millisecond)
	if change.Email != nil {
		u.Email = *change.Email
	}
	if change.Password != nil {
		if u.PasswordHash, err = h.d.Passwords.Hash(*change.Password); err != nil {
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
	if err := h.d.Users.Update(ctx, u, previous); err != nil {
		return UserView{}, err
	}
	if !u.TokensNotBefore.Equal(view.TokensNotBefore) && h.d.RefreshTokens != nil {
		// A new password or disabling ends the user's sessions.
		if err := h.d.RefreshTokens.RevokeSubject(ctx, u.ID); err != nil {
			return UserView{}, err
		}
	}
	h.d.Logger.InfoContext(ctx, "application user changed", "user_id", u.ID, "reseller_id", u.ResellerID,
		"version", u.Version, "disabled", u.Disabled, "password_changed", change.Password != nil)
	if err := h.d.UserEvents.UserChanged(ctx, u, false); err != nil {
		return UserView{}, fmt.Errorf("announce application user %s: %w", u.ID, err)
	}
	h.d.audit(ctx, SecurityRecord{Kind: "user.changed", Subject: u.ID, ResellerID: u.ResellerID, Detail: change.Describe()})
	view.AppUser = u
	return view, nil
}

// Delete removes user id of resellerID. It announces the deletion first
// (the edge then refuses the user's tokens) and removes the user after; if
// the removal fails, repeating the call finishes it.
func (h UserHandlers) Delete(ctx context.Context, resellerID, id string) error {
	view, err := h.Get(ctx, resellerID, id)
	if err != nil {
		return err
	}
	u := view.AppUser
	u.Version = max(u.Version, 1) + 1
	u.TokensNotBefore = h.d.Now().UTC().Truncate(time.Millisecond)
	if err := h.d.UserEvents.UserChanged(ctx, u, true); err != nil {
		return fmt.Errorf("announce deletion of application user %s: %w", u.ID, err)
	}
	if h.d.RefreshTokens != nil {
		if err := h.d.RefreshTokens.RevokeSubject(ctx, u.ID); err != nil {
			return err
		}
	}
	if err := h.d.Users.Delete(ctx, u.ID); err != nil {
		return err
	}
	h.d.Logger.InfoContext(ctx, "application user deleted", "user_id", u.ID, "reseller_id", u.ResellerID)
	h.d.audit(ctx, SecurityRecord{Kind: "user.deleted", Subject: u.ID, ResellerID: u.ResellerID})
	return nil
}
