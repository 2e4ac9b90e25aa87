module github.com/resellerapi/platform/services/webhooks

go 1.26.0

require github.com/standard-webhooks/standard-webhooks/libraries v1.3.0
