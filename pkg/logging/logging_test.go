package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestLoggerAddsServiceAndCorrelationID(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "directory", slog.LevelInfo)
	ctx := WithCorrelationID(context.Background(), "corr-1")
	log.InfoContext(ctx, "projected", "account_id", "a1")
	log.DebugContext(ctx, "hidden")

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("want exactly one JSON line, got %q: %v", buf.String(), err)
	}
	for k, want := range map[string]string{"service": "directory", "correlation_id": "corr-1", "account_id": "a1", "msg": "projected"} {
		if line[k] != want {
			t.Errorf("%s = %v, want %s", k, line[k], want)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"DEBUG": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError, "": slog.LevelInfo, "bogus": slog.LevelInfo} {
		if got := ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestAtLeastDropsLowerLevels(t *testing.T) {
	var buf bytes.Buffer
	log := AtLeast(New(&buf, "allinone", slog.LevelDebug).With("component", "ferretdb"), slog.LevelError)
	log.Info("connection started")
	log.Warn("response header")
	if buf.Len() != 0 {
		t.Fatalf("logged below error: %s", buf.String())
	}
	log.Error("backend failed")
	if !bytes.Contains(buf.Bytes(), []byte(`"component":"ferretdb"`)) {
		t.Fatalf("error record = %q", buf.String())
	}
}
