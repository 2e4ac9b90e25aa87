package subjects

// Permission is what one party of the bus may publish and subscribe to
// (NATS subject patterns).
type Permission struct {
	Publish, Subscribe []string
}

// Permissions are the NATS users of the platform, one per party, and what
// each may do; make run-services, the all-in-one binary and the
// Kubernetes manifests grant the same. inbox is where a party's replies
// arrive (eventbus.InboxPrefix).
//
// The back-office publishes the back-office subjects and reads the dead
// letters; each service publishes its own events and dead letters and
// receives from its own durable consumers (deliver.<service>.*); the edge
// publishes nothing; each reads only its own replies. Of the JetStream
// API, each may ensure the streams and read their configuration, and make
// consumers only on the streams it reads; a publisher may read the latest
// message of the streams it publishes to (the bus publishes a version
// only if it is the newest).
func Permissions(inbox func(party string) string) map[string]Permission {
	replies := func(party string) string { return inbox(party) + ".>" }
	api := func(streams ...string) []string {
		out := []string{"$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.CREATE.*",
			"$JS.API.STREAM.UPDATE.*", "$JS.ACK.>", "$JS.FC.>"}
		for _, s := range streams {
			out = append(out, "$JS.API.CONSUMER.CREATE."+s, "$JS.API.CONSUMER.CREATE."+s+".>", "$JS.API.CONSUMER.DURABLE.CREATE."+s+".*",
				"$JS.API.CONSUMER.INFO."+s+".*", "$JS.API.CONSUMER.DELETE."+s+".*")
		}
		return out
	}
	service := func(name string, streams []string, publishes ...string) Permission {
		return Permission{Publish: append(append(publishes, DeadLetter(name)), api(streams...)...),
			Subscribe: []string{replies(name), "deliver." + name + ".>"}}
	}
	return map[string]Permission{
		"backoffice": {Publish: append([]string{"directory.>", "catalog.>", "invoicing.>", "$JS.API.STREAM.MSG.GET.DIRECTORY",
			"$JS.API.STREAM.MSG.GET.CATALOG", "$JS.API.STREAM.MSG.GET.INVOICING", "$JS.API.STREAM.MSG.GET.DEADLETTER",
			"$JS.API.STREAM.MSG.DELETE.DEADLETTER"}, api("DEADLETTER")...), Subscribe: []string{replies("backoffice")}},
		"directory": service("directory", []string{"DIRECTORY"}),
		"catalog":   service("catalog", []string{"CATALOG"}),
		"invoicing": service("invoicing", []string{"INVOICING"}),
		"auth": service("auth", []string{"DIRECTORY", "AUTH"}, "auth.>", "audit.>", "$JS.API.STREAM.MSG.GET.AUTH",
			"$JS.API.STREAM.MSG.GET.AUDIT"),
		"edge": {Publish: api("DIRECTORY", "AUTH"), Subscribe: []string{replies("edge")}},
		// Webhooks follows the read models' events and auth's, publishes
		// its dead letters, and keeps its due deliveries on a work queue
		// of its own (stream WEBHOOKS, subjects webhooks.>).
		"webhooks": service("webhooks", []string{"DIRECTORY", "CATALOG", "INVOICING", "AUTH", "WEBHOOKS"}, "webhooks.>",
			"$JS.API.CONSUMER.MSG.NEXT.WEBHOOKS.*", "$JS.API.STREAM.PURGE.WEBHOOKS", "$JS.API.STREAM.MSG.GET.WEBHOOKS",
			"$JS.API.STREAM.MSG.DELETE.WEBHOOKS"),
	}
}
