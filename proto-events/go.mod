module github.com/resellerapi/platform/proto-events

go 1.26.0

require google.golang.org/protobuf v1.36.12

require golang.org/x/text v0.44.0
