package subjects

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// declared is every topic with an event of its type: a new event type
// fails TestEveryEventTypeHasATopic until its topic is declared (in its
// context's file) and listed here.
func declared() map[protoreflect.FullName]string {
	topics := map[protoreflect.FullName]string{}
	add := func(ev proto.Message, pattern string) { topics[ev.ProtoReflect().Descriptor().FullName()] = pattern }
	add(&eventsv1.ResellerChanged{}, Resellers.Pattern())
	add(&eventsv1.AccountChanged{}, Accounts.Pattern())
	add(&eventsv1.ProductChanged{}, Products.Pattern())
	add(&eventsv1.PriceListChanged{}, PriceLists.Pattern())
	add(&eventsv1.InvoiceChanged{}, Invoices.Pattern())
	add(&eventsv1.PaymentChanged{}, Payments.Pattern())
	add(&eventsv1.ManagerTokenChanged{}, ManagerTokens.Pattern())
	add(&eventsv1.AppUserChanged{}, AppUsers.Pattern())
	add(&eventsv1.AccessTokenRevoked{}, RevokedAccessTokens.Pattern())
	add(&eventsv1.ApiCredentialsChanged{}, APICredentials.Pattern())
	add(&eventsv1.SigningKeyChanged{}, SigningKeys.Pattern())
	add(&eventsv1.ApiActivationChanged{}, Activation.Pattern())
	add(&eventsv1.SecurityEvent{}, SecurityEvents.Pattern())
	return topics
}

// Every event type (a message whose first field is the EventMeta envelope)
// has a topic, and so rules: it cannot be published or handled otherwise.
func TestEveryEventTypeHasATopic(t *testing.T) {
	topics, n := declared(), 0
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		d := mt.Descriptor()
		if d.ParentFile().Package() != "resellerapi.events.v1" {
			return true
		}
		if f := d.Fields().ByNumber(1); f == nil || f.Message() == nil || f.Message().FullName() != "resellerapi.events.v1.EventMeta" {
			return true
		}
		n++
		if topics[d.FullName()] == "" {
			t.Errorf("%s has no topic", d.FullName())
		}
		return true
	})
	if n != len(topics) {
		t.Errorf("%d event types, %d topics", n, len(topics))
	}
}

// Every topic's subjects are captured by exactly one stream, and no two
// topics share subjects.
func TestEveryTopicIsInOneStream(t *testing.T) {
	seen := map[string]bool{}
	for name, pattern := range declared() {
		if seen[pattern] {
			t.Errorf("%s: pattern %s used twice", name, pattern)
		}
		seen[pattern] = true
		var in []string
		for _, s := range Streams() {
			for _, sub := range s.Subjects {
				if strings.HasPrefix(pattern, strings.TrimSuffix(sub, ">")) {
					in = append(in, s.Name)
				}
			}
		}
		if len(in) != 1 {
			t.Errorf("%s (%s) is in streams %v, want one", name, pattern, in)
		}
	}
}

func TestTopicSubjects(t *testing.T) {
	meta := &eventsv1.EventMeta{AggregateId: "acc-1"}
	if got := Accounts.Subject(&eventsv1.AccountChanged{Meta: meta}); got != "directory.account.changed.acc-1" || got != Accounts.Of("acc-1") {
		t.Errorf("account subject %q", got)
	}
	if got := SecurityEvents.Subject(&eventsv1.SecurityEvent{Meta: &eventsv1.EventMeta{AggregateId: "e1"}, Kind: "login.failed"}); got != "audit.auth.login.failed.e1" {
		t.Errorf("security event subject %q", got)
	}
	if Accounts.Check(&eventsv1.AccountChanged{Meta: meta}) == nil {
		t.Error("an account event without an account passed its topic's rules")
	}
}
