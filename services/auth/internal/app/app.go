// Package app holds the auth service's use cases: activating the Reseller
// API credentials, managing Application Users, authenticating them for the
// token endpoint, and learning resellers from the directory's events.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// UserRepository stores Application Users.
type UserRepository interface {
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

// ResellerRepository stores the resellers auth knows of.
type ResellerRepository interface {
	Save(ctx context.Context, r domain.Reseller) (applied bool, err error)
	Get(ctx context.Context, id string) (domain.Reseller, error)
	// Names returns the names of the given resellers by id.
	Names(ctx context.Context, ids []string) (map[string]string, error)
	// List returns one page of the resellers, ordered by name.
	List(ctx context.Context, page paging.Request) ([]domain.Reseller, int64, error)
}

// SecretBox encrypts secrets that must be shown again (AES-GCM).
type SecretBox interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// PasswordHasher hashes Application User passwords with a slow hash.
type PasswordHasher interface {
	Hash(password string) ([]byte, error)
	// Compare returns an error unless password matches hash.
	Compare(hash []byte, password string) error
	// Outdated reports whether hash should be made again (its cost is
	// not the configured one).
	Outdated(hash []byte) bool
}

// LoginThrottle backs off failed logins per key.
type LoginThrottle interface {
	// Locked is how long the longest lock among keys lasts yet (0: none).
	Locked(keys ...string) time.Duration
	Failed(keys ...string)
	Succeeded(key string)
}

type clientAddressKey struct{}

// WithClientAddress returns ctx carrying the address a login comes from,
// for the per-address back-off.
func WithClientAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddressKey{}, addr)
}

func clientAddress(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddressKey{}).(string)
	return addr
}

// SecretDigest digests machine-generated secrets (SHA-256).
type SecretDigest func(secret []byte) []byte

// Application is the auth service's set of use cases.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change state.
type Commands struct {
	Credentials    CredentialHandlers
	SigningKeys    SigningKeyHandlers
	CreateAppUser  CreateAppUserHandler
	ApplyReseller  ApplyResellerHandler
	Managers       ManagerHandlers
	Users          UserHandlers
	Tokens         TokenHandlers
	ServiceClients ServiceClientHandlers
	StorefrontKeys StorefrontKeyHandlers
}

// Queries read state.
type Queries struct {
	Client       ClientHandler
	ListAppUsers ListAppUsersHandler
	Authenticate AuthenticateHandler
	AppUser      AppUserHandler
	Reseller     ResellerHandler
}

// Deps are what the use cases need.
type Deps struct {
	Activation       ActivationRepository
	Credentials      CredentialsRepository
	CredentialEvents CredentialEvents
	// GracePeriod is how long a rotated pair keeps working unless the
	// rotation names another.
	GracePeriod time.Duration
	// Keys and KeyEvents serve the token signing keys; a new key is
	// published PublishDelay before it signs unless the rotation says.
	Keys         SigningKeyRing
	KeyEvents    SigningKeyEvents
	PublishDelay time.Duration
	Users        UserRepository
	Resellers    ResellerRepository
	Managers     ManagerRepository
	TokenEvents  TokenEvents
	UserEvents   UserEvents
	// Revocations and RevocationEvents serve token revocation.
	Revocations      RevocationRepository
	RevocationEvents RevocationEvents
	ServiceClients   ServiceClientRepository
	StorefrontKeys   StorefrontKeyRepository
	// RefreshTokens may be nil: no refresh tokens to revoke then.
	RefreshTokens RefreshTokenRevoker
	// Audit may be nil: security events are then only logged.
	Audit SecurityAudit
	// Throttle may be nil: failed logins are then not backed off.
	Throttle  LoginThrottle
	Box       SecretBox
	Passwords PasswordHasher
	Digest    SecretDigest
	Logger    *slog.Logger
	Now       func() time.Time
}

// New wires the use cases.
func New(d Deps) (Application, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	// A hash of a random password: unknown usernames are checked against it
	// so that they take as long as known ones.
	dummy, err := d.Passwords.Hash(uuid.NewString())
	if err != nil {
		return Application{}, fmt.Errorf("dummy password hash: %w", err)
	}
	return Application{
		Commands: Commands{
			Credentials:    CredentialHandlers{d},
			SigningKeys:    SigningKeyHandlers{d},
			CreateAppUser:  CreateAppUserHandler{d},
			ApplyReseller:  ApplyResellerHandler{d},
			Managers:       ManagerHandlers{d},
			Users:          UserHandlers{d},
			Tokens:         TokenHandlers{d},
			ServiceClients: ServiceClientHandlers{d},
			StorefrontKeys: StorefrontKeyHandlers{d},
		},
		Queries: Queries{
			Client:       ClientHandler{d},
			ListAppUsers: ListAppUsersHandler{d},
			Authenticate: AuthenticateHandler{d: d, dummyHash: dummy},
			AppUser:      AppUserHandler{d},
			Reseller:     ResellerHandler{d},
		},
	}, nil
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateAppUserHandler creates Application Users.
type CreateAppUserHandler struct{ d Deps }

// Handle creates an Application User for an existing reseller and returns
// it with the reseller's name. It is refused while the Reseller API
// credentials do not exist.
func (h CreateAppUserHandler) Handle(ctx context.Context, req domain.NewUserRequest) (UserView, error) {
	reseller, err := h.d.Resellers.Get(ctx, req.ResellerID)
	if err != nil {
		return UserView{}, err
	}
	if err := h.d.active(ctx); err != nil {
		return UserView{}, err
	}
	if err := req.Validate(); err != nil {
		return UserView{}, err
	}
	hash, err := h.d.Passwords.Hash(req.Password)
	if err != nil {
		return UserView{}, fmt.Errorf("hash password: %w", err)
	}
	u := domain.AppUser{
		ID: uuid.Must(uuid.NewV7()).String(), ResellerID: req.ResellerID, Username: req.Username, Email: req.Email,
		PasswordHash: hash, CreatedAt: h.d.Now().UTC().Truncate(time.Millisecond), Version: 1,
	}
	if err := h.d.Users.Create(ctx, u); err != nil {
		return UserView{}, err
	}
	h.d.Logger.InfoContext(ctx, "application user created", "user_id", u.ID, "reseller_id", u.ResellerID, "username", u.Username)
	// The edge needs no word of an active user it never heard of; the
	// event is for the audit trail, so a failure is logged, not returned.
	if err := h.d.UserEvents.UserChanged(ctx, u, false); err != nil {
		h.d.Logger.WarnContext(ctx, "application user created but not announced", "user_id", u.ID, "error", err.Error())
	}
	return UserView{AppUser: u, Account: reseller.Name}, nil
}

// active returns domain.ErrNoCredentials unless the Reseller API is active.
func (d Deps) active(ctx context.Context) error {
	a, err := d.Activation.Get(ctx)
	if err != nil {
		return err
	}
	if !a.Active {
		return domain.ErrNoCredentials
	}
	return nil
}

// UserView is an Application User as listed: with its reseller's name as
// the account.
type UserView struct {
	domain.AppUser
	Account string
}

// ListAppUsersHandler lists Application Users.
type ListAppUsersHandler struct{ d Deps }

// Handle lists one page of the users of resellerID (an existing reseller),
// or of all resellers when resellerID is "", whose username or email
// contains search ("" for all).
func (h ListAppUsersHandler) Handle(ctx context.Context, resellerID, search string, page paging.Request) ([]UserView, int64, error) {
	if resellerID != "" {
		if _, err := h.d.Resellers.Get(ctx, resellerID); err != nil {
			return nil, 0, err
		}
	}
	users, total, err := h.d.Users.List(ctx, resellerID, search, page)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.ResellerID)
	}
	names, err := h.d.Resellers.Names(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	views := make([]UserView, len(users))
	for i, u := range users {
		views[i] = UserView{AppUser: u, Account: names[u.ResellerID]}
	}
	return views, total, nil
}

// AuthenticateHandler checks an Application User's password.
type AuthenticateHandler struct {
	d         Deps
	dummyHash []byte
}

// ErrBadLogin is returned for an unknown username, a wrong password or a
// disabled user alike, so callers cannot tell them apart.
var ErrBadLogin = errors.New("unknown username or wrong password")

// Handle returns the user whose username and password match. A username
// or client address with too many failures in a row is locked for a
// while: its logins fail like a wrong password (the password is still
// hashed, so the answer takes as long), whatever the password.
func (h AuthenticateHandler) Handle(ctx context.Context, username, password string) (domain.AppUser, error) {
	keys := []string{"user:" + domain.UsernameKey(username)}
	if addr := clientAddress(ctx); addr != "" {
		keys = append(keys, "addr:"+addr)
	}
	if h.d.Throttle != nil {
		if wait := h.d.Throttle.Locked(keys...); wait > 0 {
			// Not counted: the lock ends when it said, however often it
			// is tried meanwhile.
			_ = h.d.Passwords.Compare(h.dummyHash, password)
			h.d.Logger.WarnContext(ctx, "login refused", "reason", "locked after failed logins", "client_address", clientAddress(ctx),
				"locked_for", wait.Round(time.Second).String())
			h.d.audit(ctx, SecurityRecord{Kind: "login.locked", Subject: username, Detail: "locked for " + wait.Round(time.Second).String()})
			return domain.AppUser{}, ErrBadLogin
		}
	}
	u, err := h.login(ctx, username, password)
	if h.d.Throttle != nil {
		switch {
		case errors.Is(err, ErrBadLogin):
			h.d.Throttle.Failed(keys...)
		case err == nil:
			h.d.Throttle.Succeeded(keys[0])
		}
	}
	return u, err
}

func (h AuthenticateHandler) login(ctx context.Context, username, password string) (domain.AppUser, error) {
	u, err := h.d.Users.ByUsername(ctx, username)
	if errors.Is(err, domain.ErrNotFound) {
		_ = h.d.Passwords.Compare(h.dummyHash, password)
		h.d.Logger.InfoContext(ctx, "login failed", "reason", "unknown username", "client_address", clientAddress(ctx))
		h.d.audit(ctx, SecurityRecord{Kind: "login.failed", Subject: username, Detail: "unknown username"})
		return domain.AppUser{}, ErrBadLogin
	}
	if err != nil {
		return domain.AppUser{}, err
	}
	if err := h.d.Passwords.Compare(u.PasswordHash, password); err != nil {
		h.d.Logger.InfoContext(ctx, "login failed", "reason", "wrong password", "user_id", u.ID, "client_address", clientAddress(ctx))
		h.d.audit(ctx, SecurityRecord{Kind: "login.failed", Subject: u.ID, ResellerID: u.ResellerID, Detail: "wrong password"})
		return domain.AppUser{}, ErrBadLogin
	}
	if u.Disabled {
		h.d.Logger.InfoContext(ctx, "login failed", "reason", "user disabled", "user_id", u.ID, "client_address", clientAddress(ctx))
		h.d.audit(ctx, SecurityRecord{Kind: "login.failed", Subject: u.ID, ResellerID: u.ResellerID, Detail: "user disabled"})
		return domain.AppUser{}, ErrBadLogin
	}
	// One reseller's client secret never helps against another's users:
	// the answer is a wrong password's.
	client, err := ClientHandler{h.d}.Handle(ctx, clientID(ctx))
	switch {
	case errors.Is(err, domain.ErrNotFound) || (err == nil && (client.Service || client.ResellerID != u.ResellerID)):
		h.d.Logger.InfoContext(ctx, "login failed", "reason", "the client belongs to another reseller", "user_id", u.ID,
			"client_id", clientID(ctx), "client_address", clientAddress(ctx))
		h.d.audit(ctx, SecurityRecord{Kind: "login.failed", Subject: u.ID, ResellerID: u.ResellerID, Detail: "the client belongs to another reseller"})
		return domain.AppUser{}, ErrBadLogin
	case err != nil:
		return domain.AppUser{}, err
	}
	u = h.rehash(ctx, u, password)
	h.d.Logger.InfoContext(ctx, "login succeeded", "user_id", u.ID, "reseller_id", u.ResellerID, "client_address", clientAddress(ctx))
	h.d.audit(ctx, SecurityRecord{Kind: "login.succeeded", Subject: u.ID, ResellerID: u.ResellerID})
	return u, nil
}

// rehash stores the password of u, which just logged in with it, hashed
// at the configured cost if its hash was made at another (BCRYPT_COST
// changed). A failure is logged: the login succeeds anyway, and the next
// one tries again.
func (h AuthenticateHandler) rehash(ctx context.Context, u domain.AppUser, password string) domain.AppUser {
	if !h.d.Passwords.Outdated(u.PasswordHash) {
		return u
	}
	hash, err := h.d.Passwords.Hash(password)
	if err != nil {
		h.d.Logger.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "error", err.Error())
		return u
	}
	// The same version: nothing the edge needs changed, and a concurrent
	// change of the user wins over this one.
	next := u
	next.PasswordHash = hash
	if err := h.d.Users.Update(ctx, next, u.Version); err != nil {
		h.d.Logger.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "error", err.Error())
		return u
	}
	h.d.Logger.InfoContext(ctx, "password rehashed at the configured cost", "user_id", u.ID)
	return next
}

// AppUserHandler reads one Application User.
type AppUserHandler struct{ d Deps }

// Handle returns the user with id.
func (h AppUserHandler) Handle(ctx context.Context, id string) (domain.AppUser, error) {
	return h.d.Users.ByID(ctx, id)
}

// ApplyResellerHandler learns a reseller from the directory's events.
type ApplyResellerHandler struct{ d Deps }

// Handle stores r if it is newer than what is stored.
func (h ApplyResellerHandler) Handle(ctx context.Context, r domain.Reseller) (bool, error) {
	return h.d.Resellers.Save(ctx, r)
}

// ResellerHandler reads the resellers auth knows of.
type ResellerHandler struct{ d Deps }

// Handle returns the reseller with id, or domain.ErrNotFound.
func (h ResellerHandler) Handle(ctx context.Context, id string) (domain.Reseller, error) {
	return h.d.Resellers.Get(ctx, id)
}

// List returns one page of the resellers, ordered by name.
func (h ResellerHandler) List(ctx context.Context, page paging.Request) ([]domain.Reseller, int64, error) {
	return h.d.Resellers.List(ctx, page)
}
