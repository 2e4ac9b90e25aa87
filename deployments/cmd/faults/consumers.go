package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// jsz is the part of a NATS server's /jsz monitoring answer the report
// reads.
type jsz struct {
	AccountDetails []struct {
		Streams []struct {
			Name  string `json:"name"`
			State struct {
				Messages uint64 `json:"messages"`
			} `json:"state"`
			Consumers []consumerState `json:"consumer_detail"`
		} `json:"stream_detail"`
	} `json:"account_details"`
}

type consumerState struct {
	Name      string `json:"name"`
	Delivered struct {
		StreamSeq uint64 `json:"stream_seq"`
	} `json:"delivered"`
	AckFloor struct {
		StreamSeq uint64 `json:"stream_seq"`
	} `json:"ack_floor"`
	NumAckPending  int    `json:"num_ack_pending"`
	NumRedelivered int    `json:"num_redelivered"`
	NumWaiting     int    `json:"num_waiting"`
	NumPending     uint64 `json:"num_pending"`
	Cluster        *struct {
		Leader string `json:"leader"`
	} `json:"cluster"`
	PushBound bool `json:"push_bound"`
}

// consumerReport is the state of every consumer that is behind, as the
// NATS servers' monitoring endpoints tell it (each consumer once, from its
// leader): what an operator reads first when a read model stops catching
// up.
func (s *suite) consumerReport() string {
	client := &http.Client{Timeout: 5 * time.Second}
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range s.c.Processes() {
		if !strings.HasPrefix(p.Name, "nats-") {
			continue
		}
		resp, err := client.Get("http://" + p.OpsAddr + "/jsz?accounts=true&streams=true&consumers=true")
		if err != nil {
			fmt.Fprintf(&b, "  %s: %v\n", p.Name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var z jsz
		if err := json.Unmarshal(body, &z); err != nil {
			fmt.Fprintf(&b, "  %s: %v\n", p.Name, err)
			continue
		}
		for _, a := range z.AccountDetails {
			for _, st := range a.Streams {
				for _, c := range st.Consumers {
					key := st.Name + "/" + c.Name
					if c.NumPending == 0 && c.NumAckPending == 0 {
						continue // caught up
					}
					// Process nats-<i> is server n<i> (deployments/cluster).
					if seen[key] || (c.Cluster != nil && c.Cluster.Leader != "" && c.Cluster.Leader != "n"+strings.TrimPrefix(p.Name, "nats-")) {
						continue
					}
					seen[key] = true
					fmt.Fprintf(&b, "  %s/%s (from %s): stream %d msgs, delivered to %d, ack floor %d, ack pending %d, redelivered %d, pending %d, waiting %d, push bound %v\n",
						st.Name, c.Name, p.Name, st.State.Messages, c.Delivered.StreamSeq, c.AckFloor.StreamSeq, c.NumAckPending, c.NumRedelivered, c.NumPending, c.NumWaiting, c.PushBound)
				}
			}
		}
	}
	return b.String()
}
