// Pins the test OpenTelemetry Collector (OTLP receiver + file exporter) of the tracing tests.
// Built by scripts/ensure-otelcol.sh. To bump: edit the versions (core and contrib in step),
// run `go mod tidy` here, commit go.mod + go.sum.
module portcullis.test/harness/otelcol

go 1.26.0

require (
	github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter v0.165.0
	go.opentelemetry.io/collector/otelcol v0.165.0
	go.opentelemetry.io/collector/receiver/otlpreceiver v0.165.0
)
