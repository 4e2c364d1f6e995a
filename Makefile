# The two commands a fresh machine needs are "make demo" and "make test";
# both install what they need first (Debian packages, as root).

GO ?= go
PKGS := ./...

.PHONY: demo test deps check cross unit fuzz bench

# The main job: a real QEMU guest with a VM generation ID device, snapshotted
# and restored into two clones.
demo: deps
	$(GO) run ./cmd/vmgenid-demo

# Everything CI runs.
test: deps check cross unit

deps:
	./scripts/install-deps

check:
	@out=$$(gofmt -l . | grep -v '^testdata/'); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# Every package must build and vet for the operating systems we support.
cross:
	@set -e; for os in linux netbsd freebsd; do for arch in amd64 arm64; do \
		echo "cross: $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build $(PKGS); \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) vet $(PKGS); \
	done; done

unit:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./ ./clonesafe/

# Runs every fuzz target for FUZZTIME each (default 2m), one after another.
FUZZTIME ?= 2m
fuzz:
	./scripts/fuzz-all $(FUZZTIME)
