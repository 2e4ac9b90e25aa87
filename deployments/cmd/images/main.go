// Command images builds every service's container image as an OCI archive
// (bin/images/<service>.tar), with no Docker engine: `make images`.
// Load one with `docker load -i bin/images/edge.tar` (or podman, skopeo,
// crane push).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/resellerapi/platform/deployments/images"
)

func main() {
	out := flag.String("out", "bin/images", "directory the archives are written to")
	root := flag.String("root", ".", "the repository's root")
	goarch := flag.String("goarch", runtime.GOARCH, "architecture of the images")
	repo := flag.String("repo", "resellerapi", "image name prefix: <repo>/<service>:<version>")
	certs := flag.String("ca-certs", images.CACerts, "CA bundle of this machine to include (\"\" for none)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, log, *root, *out, *goarch, *repo, *certs); err != nil {
		log.Error("images not built", "error", err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, root, out, goarch, repo, certs string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	bins, err := os.MkdirTemp("", "images-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(bins) }()
	if err := images.BuildBinaries(ctx, root, bins, goarch, images.Services); err != nil {
		return err
	}
	if _, err := os.Stat(certs); certs != "" && err != nil {
		log.Warn("no CA certificates included: TLS to external endpoints will fail", "path", certs, "error", err.Error())
		certs = ""
	}
	version := gitVersion(ctx, root)
	for _, s := range images.Services {
		img, err := images.Image(s, filepath.Join(bins, s.Name), images.Options{GOARCH: goarch, CACerts: certs, Version: version,
			Source: "https://github.com/resellerapi/platform"})
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		path := filepath.Join(out, s.Name+".tar")
		ref := repo + "/" + s.Name + ":" + version
		if err := images.WriteArchive(path, img, ref); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		digest, _ := img.Digest()
		size, _ := os.Stat(path)
		log.Info("image built", "image", ref, "archive", path, "digest", digest.String(), "bytes", size.Size())
	}
	return nil
}

// gitVersion is `git describe` of the repository, or "dev".
func gitVersion(ctx context.Context, root string) string {
	cmd := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "dev"
	}
	return strings.TrimSpace(string(out))
}
