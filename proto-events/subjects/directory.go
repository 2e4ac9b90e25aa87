package subjects

import "github.com/resellerapi/platform/proto-events/rules"

// Topics of the directory bounded context (stream DIRECTORY).
var (
	// Resellers: every reseller's eventsv1.ResellerChanged.
	Resellers = topic("directory.reseller.changed.", rules.ResellerChanged)
	// Accounts: every account's eventsv1.AccountChanged.
	Accounts = topic("directory.account.changed.", rules.AccountChanged)
)
