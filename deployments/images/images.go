// Package images builds the platform's container images without a Docker
// engine: each service's static Linux binary in a layer over an empty base,
// run as a non-root user, with no shell and nothing else but the CA
// certificates, written as an OCI archive (a tar of an OCI image layout)
// that `docker load`, `podman load`, `skopeo` or `crane push` take.
package images

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Service is one image: a command of the repository.
type Service struct {
	// Name names the image and its binary.
	Name string
	// Package is the command's package, relative to the repository root.
	Package string
	// Port is the HTTP port the service listens on by default (0: none).
	Port int
}

// Services are the images of the platform: one per service, and the
// back-office CLI (for jobs: seeding, dead-letter republishing).
var Services = []Service{
	{Name: "auth", Package: "./services/auth/cmd/auth", Port: 8080},
	{Name: "directory", Package: "./services/directory/cmd/directory", Port: 8080},
	{Name: "catalog", Package: "./services/catalog/cmd/catalog", Port: 8080},
	{Name: "invoicing", Package: "./services/invoicing/cmd/invoicing", Port: 8080},
	{Name: "edge", Package: "./services/edge/cmd/edge", Port: 8080},
	{Name: "webhooks", Package: "./services/webhooks/cmd/webhooks", Port: 8080},
	{Name: "backofficectl", Package: "./services/backoffice/cmd/backofficectl"},
}

// The user images run as (distroless' "nonroot"), and where the binary is.
const (
	UID     = 65532
	BinDir  = "/usr/local/bin"
	CACerts = "/etc/ssl/certs/ca-certificates.crt"
)

// BuildBinaries builds the services' static Linux binaries for goarch
// into dir (one file per service, named after it), from the repository at
// root, in one go build (shared packages compiled once).
func BuildBinaries(ctx context.Context, root, dir, goarch string, services []Service) error {
	pkgs := make(map[string]string, len(services))
	for _, s := range services {
		pkgs[s.Name] = s.Package
	}
	return Build(ctx, root, dir, "linux", goarch, pkgs)
}

// Build builds static binaries for goos and goarch of the packages, by name,
// into dir in one go build, with the flags the images are built with
// (no cgo, -trimpath, stripped, gin without MessagePack: the Makefile's
// flags too). Every build that uses it shares what Go's
// build cache compiled: the images test and the cluster test of one run
// compile each package once and only link again.
func Build(ctx context.Context, root, dir, goos, goarch string, pkgs map[string]string) error {
	args := []string{"build", "-trimpath", "-tags", "nomsgpack", "-ldflags", "-s -w", "-o", dir + string(filepath.Separator)}
	for _, pkg := range pkgs {
		args = append(args, pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	for name, pkg := range pkgs {
		// go build names a binary after its package's directory, or the
		// element before a major version suffix ("nats-server" for
		// .../nats-server/v2).
		built, want := filepath.Join(dir, filepath.Base(pkg)), filepath.Join(dir, name)
		if _, err := os.Stat(built); built == want || err != nil {
			continue // named as wanted already, or after the element before /vN
		}
		if err := os.Rename(built, want); err != nil {
			return err
		}
	}
	return nil
}

// Options are what an image carries besides its binary.
type Options struct {
	// GOARCH is the architecture the binary was built for.
	GOARCH string
	// CACerts is a CA certificate bundle to include at CACerts ("" for
	// none), so the services can reach TLS endpoints (MongoDB Atlas, a
	// NATS cluster with TLS, an OTLP collector).
	CACerts string
	// Version and Source become the OCI labels of the same names.
	Version, Source string
}

// Image builds the image of service s from its binary at path.
func Image(s Service, binary string, o Options) (v1.Image, error) {
	files := []file{
		{name: "etc/passwd", mode: 0o444, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "etc/group", mode: 0o444, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	files = append(files, file{name: BinDir[1:] + "/" + s.Name, mode: 0o555, data: bin})
	if o.CACerts != "" {
		certs, err := os.ReadFile(o.CACerts)
		if err != nil {
			return nil, fmt.Errorf("CA certificates: %w", err)
		}
		files = append(files, file{name: CACerts[1:], mode: 0o444, data: certs})
	}
	data, err := tarOf(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", o.GOARCH
	cfg.Created = v1.Time{Time: time.Unix(0, 0).UTC()} // reproducible: the same binary makes the same image
	cfg.Config = v1.Config{
		Entrypoint: []string{BinDir + "/" + s.Name},
		User:       strconv.Itoa(UID) + ":" + strconv.Itoa(UID),
		WorkingDir: "/",
		Env:        []string{"PATH=" + BinDir},
		Labels: map[string]string{
			"org.opencontainers.image.title":   s.Name,
			"org.opencontainers.image.version": o.Version,
			"org.opencontainers.image.source":  o.Source,
		},
	}
	if s.Port != 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{strconv.Itoa(s.Port) + "/tcp": {}}
	}
	return mutate.ConfigFile(img, cfg)
}

type file struct {
	name string
	mode int64
	data []byte
}

// tarOf is a layer's tar: files owned by root, with their parent
// directories, all dated at the epoch.
func tarOf(files []file) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	epoch := time.Unix(0, 0)
	for _, f := range files {
		var parents []string
		for d := filepath.Dir(f.name); d != "." && !dirs[d]; d = filepath.Dir(d) {
			parents = append([]string{d}, parents...)
			dirs[d] = true
		}
		for _, d := range parents {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: epoch}); err != nil {
				return nil, err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: epoch}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: epoch}); err != nil {
		return nil, err
	}
	return buf.Bytes(), tw.Close()
}

// WriteArchive writes img as an OCI archive at path, naming it ref (the
// org.opencontainers.image.ref.name annotation, e.g. "resellerapi/auth:dev").
func WriteArchive(path string, img v1.Image, ref string) error {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".oci-layout-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(out)
	err = errors.Join(tw.AddFS(os.DirFS(dir)), tw.Close())
	return errors.Join(err, out.Close())
}

// ReadArchive reads the one image of the OCI archive at path (written by
// WriteArchive), unpacking it into dir.
func ReadArchive(path, dir string) (v1.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		name, err := filepath.Localize(strings.TrimSuffix(h.Name, "/"))
		if err != nil {
			return nil, fmt.Errorf("archive entry %q: %w", h.Name, err)
		}
		target := filepath.Join(dir, name)
		if h.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return nil, err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(target, data, fs.FileMode(0o644)); err != nil {
			return nil, err
		}
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) != 1 {
		return nil, fmt.Errorf("%d images in %s, want 1", len(m.Manifests), path)
	}
	return idx.Image(m.Manifests[0].Digest)
}
