package images_test

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/resellerapi/platform/deployments/images"
)

// maxImageBytes bounds an image's compressed size.
const maxImageBytes = 30 << 20

// TestImages builds every image the way `make images` does and inspects
// each: its config (entrypoint, non-root user), its files (the binary and
// nothing that could be a shell), its size, and that the binary is static
// and starts. go test cannot see that it depends on the services' sources
// (other modules, read by the go build it runs), so `make test` runs it
// with -count=1.
func TestImages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every service")
	}
	dir := t.TempDir()
	if err := images.BuildBinaries(context.Background(), "../..", dir, runtime.GOARCH, images.Services); err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(certs, []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range images.Services {
		t.Run(s.Name, func(t *testing.T) {
			img, err := images.Image(s, filepath.Join(dir, s.Name), images.Options{GOARCH: runtime.GOARCH, CACerts: certs, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			archive := filepath.Join(dir, s.Name+".tar")
			if err := images.WriteArchive(archive, img, "resellerapi/"+s.Name+":test"); err != nil {
				t.Fatal(err)
			}
			img, err = images.ReadArchive(archive, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if mt, _ := img.MediaType(); mt != types.OCIManifestSchema1 {
				t.Errorf("manifest media type %s, want OCI", mt)
			}
			cfg, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			entry := images.BinDir + "/" + s.Name
			if !slices.Equal(cfg.Config.Entrypoint, []string{entry}) || len(cfg.Config.Cmd) != 0 {
				t.Errorf("entrypoint %v cmd %v, want [%s]", cfg.Config.Entrypoint, cfg.Config.Cmd, entry)
			}
			if cfg.Config.User != "65532:65532" {
				t.Errorf("user %q, want the non-root 65532:65532", cfg.Config.User)
			}
			if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
				t.Errorf("platform %s/%s", cfg.OS, cfg.Architecture)
			}
			if _, ok := cfg.Config.ExposedPorts["8080/tcp"]; ok != (s.Port == 8080) {
				t.Errorf("exposed ports %v", cfg.Config.ExposedPorts)
			}

			layers, err := img.Layers()
			if err != nil {
				t.Fatal(err)
			}
			var size int64
			files := map[string][]byte{}
			for _, l := range layers {
				n, _ := l.Size()
				size += n
				rc, err := l.Uncompressed()
				if err != nil {
					t.Fatal(err)
				}
				tr := tar.NewReader(rc)
				for {
					h, err := tr.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if h.Typeflag == tar.TypeDir {
						continue
					}
					if h.Uid != 0 || h.Mode&0o022 != 0 {
						t.Errorf("%s: owner %d, mode %o: the user could change it", h.Name, h.Uid, h.Mode)
					}
					data, _ := io.ReadAll(tr)
					files[h.Name] = data
				}
				_ = rc.Close()
			}
			if size > maxImageBytes {
				t.Errorf("image is %d bytes compressed, want at most %d", size, maxImageBytes)
			}
			t.Logf("%s: %.1f MB compressed, %d files", s.Name, float64(size)/(1<<20), len(files))
			want := []string{"etc/group", "etc/passwd", "etc/ssl/certs/ca-certificates.crt", strings.TrimPrefix(entry, "/")}
			got := make([]string, 0, len(files))
			for name := range files {
				got = append(got, name)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("files %v, want only %v (no shell, no package manager)", got, want)
			}

			// The binary is static (no interpreter, no shared library) and
			// starts: with no configuration it refuses, status 2.
			bin := files[strings.TrimPrefix(entry, "/")]
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("the binary needs a dynamic loader")
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("the binary needs %v", libs)
			}
			if runtime.GOOS == "linux" {
				path := filepath.Join(t.TempDir(), s.Name)
				if err := os.WriteFile(path, bin, 0o755); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(path)
				cmd.Env = []string{}
				var exit *exec.ExitError
				if err := cmd.Run(); !errors.As(err, &exit) || exit.ExitCode() != 2 {
					t.Errorf("%s with no configuration: %v, want exit status 2", s.Name, err)
				}
			}
		})
	}
}
