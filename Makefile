# The two set-up commands of the README: `make demo` and `make test`. Everything they need is installed here.
CARGO ?= cargo
PREFIX ?= /usr/local

.PHONY: all build release test lint unit e2e demo bench clean

all: build

build:
	$(CARGO) build --workspace --all-targets

release:
	$(CARGO) build --workspace --release

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The end-to-end tests run the built binaries, so build them first; they start their own brokers
# (librdkafka's mock cluster in process, Apache Kafka 0.9.0.1 fetched by scripts/fetch-kafka09.sh).
test: lint build
	./scripts/fetch-kafka09.sh >/dev/null
	$(CARGO) test --workspace

demo: build
	./scripts/demo.sh

bench: release
	./scripts/fetch-kafka09.sh >/dev/null
	$(CARGO) bench -p offset-tools-tests --bench offsets

clean:
	$(CARGO) clean
	rm -rf .cache
