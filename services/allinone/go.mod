module github.com/resellerapi/platform/services/allinone

go 1.26.0

replace (
	github.com/resellerapi/platform/pkg => ../../pkg
	github.com/resellerapi/platform/proto-events => ../../proto-events
)
