package adapters

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// A message on the queue decodes to the delivery that was put, or to an
// error that says what is missing; nothing panics.
func FuzzDecodeQueued(f *testing.F) {
	good, err := json.Marshal(queued{ID: "msg_1", SubscriptionID: "wh_1", Type: "invoice.issued", Body: []byte(`{"type":"invoice.issued"}`),
		CreatedAt: time.Unix(1, 0).UTC(), NextAt: time.Unix(2, 0).UTC(), Tries: 2, Trace: map[string]string{"traceparent": "00-x"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{string(good), `{}`, `{"id":"x","subscription_id":"y"}`, `[`, `{"body":"not base64!"}`, `null`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeQueued(data)
		if err != nil {
			return
		}
		if d.ID == "" || d.SubscriptionID == "" || len(d.Body) == 0 || d.State != domain.Pending {
			t.Fatalf("decoded an incomplete delivery %+v", d)
		}
		if bytes.Equal(data, good) && (d.Tries != 2 || d.Trace["traceparent"] != "00-x" || !d.NextAt.Equal(time.Unix(2, 0))) {
			t.Fatalf("lost fields: %+v", d)
		}
	})
}
