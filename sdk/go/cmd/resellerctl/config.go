package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/oauth2"

	resellerapi "github.com/resellerapi/platform/sdk/go"
)

// config is the saved sign-in: a refreshable OAuth 2.0 token with the
// client key and secret that refresh it, or a manager token.
type config struct {
	URL          string        `json:"url"`
	ClientKey    string        `json:"clientKey,omitempty"`
	ClientSecret string        `json:"clientSecret,omitempty"`
	Token        *oauth2.Token `json:"token,omitempty"`
	ManagerToken string        `json:"managerToken,omitempty"`
}

func configPath() (string, error) {
	if p := os.Getenv("RESELLERCTL_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory: %w (set RESELLERCTL_CONFIG)", err)
	}
	return filepath.Join(dir, "resellerctl", "config.json"), nil
}

func (c *config) save() error {
	path, err := configPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save sign-in: %w", err)
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	// Write beside and rename, so that a crash never leaves half a file;
	// CreateTemp makes the file the user's only (mode 0600): it holds a
	// secret and tokens.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*")
	if err != nil {
		return fmt.Errorf("save sign-in: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("save sign-in: %w", err)
	}
	return nil
}

func loadConfig() (*config, error) {
	path, err := configPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("not signed in: run resellerctl login")
	}
	if err != nil {
		return nil, err
	}
	var c config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w (run resellerctl login again)", path, err)
	}
	return &c, nil
}

func login(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	url := fs.String("url", "", "the platform's base URL")
	key := fs.String("client-key", "", "the reseller's Reseller API client key")
	secret := fs.String("client-secret", "", "the reseller's Reseller API client secret")
	username := fs.String("username", "", "an Application User of the reseller")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from stdin")
	managerStdin := fs.Bool("manager-token-stdin", false, "read a manager's API token from stdin instead")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *url == "" {
		return usageError{"login needs --url"}
	}
	secretIn, err := readSecret(stdin)
	if err != nil {
		return err
	}
	c := &config{URL: strings.TrimSuffix(*url, "/")}
	switch {
	case *managerStdin:
		c.ManagerToken = secretIn
	case *passwordStdin && *key != "" && *secret != "" && *username != "":
		tokens, err := resellerapi.PasswordLogin(ctx, resellerapi.TokenURL(c.URL), *key, *secret, *username, secretIn)
		if err != nil {
			return err
		}
		if c.Token, err = tokens.Token(); err != nil {
			return err
		}
		c.ClientKey, c.ClientSecret = *key, *secret
	default:
		return usageError{"login needs --client-key, --client-secret, --username and --password-stdin, or --manager-token-stdin"}
	}
	client, err := c.client(ctx)
	if err != nil {
		return err
	}
	// A manager token is only known good once it has been used.
	if c.ManagerToken != "" {
		for _, err := range client.Resellers(ctx, pageOf(1)) {
			if err != nil {
				return err
			}
			break
		}
	}
	if err := c.save(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "signed in to", c.URL)
	return nil
}

// readSecret is the first line of stdin.
func readSecret(stdin io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, 8<<10))
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", usageError{"nothing on stdin"}
	}
	return s, nil
}

// client is an SDK client of the saved sign-in; refreshed tokens are saved.
func (c *config) client(ctx context.Context) (*resellerapi.Client, error) {
	if c.ManagerToken != "" {
		return resellerapi.New(c.URL, resellerapi.WithManagerToken(c.ManagerToken))
	}
	if c.Token == nil {
		return nil, errors.New("not signed in: run resellerctl login")
	}
	src := resellerapi.Refreshing(ctx, resellerapi.TokenURL(c.URL), c.ClientKey, c.ClientSecret, c.Token)
	return resellerapi.New(c.URL, resellerapi.WithTokenSource(&savingSource{src: src, c: c}))
}

// savingSource saves each new token the refresh token brings.
type savingSource struct {
	src oauth2.TokenSource
	c   *config
}

func (s *savingSource) Token() (*oauth2.Token, error) {
	tok, err := s.src.Token()
	if err != nil {
		return nil, fmt.Errorf("the saved sign-in no longer works (run resellerctl login): %w", err)
	}
	if tok.AccessToken != s.c.Token.AccessToken {
		s.c.Token = tok
		if err := s.c.save(); err != nil {
			return nil, err
		}
	}
	return tok, nil
}
