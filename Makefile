# The two commands a fresh machine needs are "make demo" and "make test";
# both install what they need first (Debian packages, as root).

GO ?= go
PKGS := ./...

.PHONY: demo test deps check cross unit fuzz bench bench-latency bench-clonesafe build install deb manlint deb-test

# The main job: a real QEMU guest with a VM generation ID device, snapshotted
# and restored into two clones.
demo: deps
	$(GO) run ./cmd/vmgenid-demo

# Everything CI runs.
test: deps check cross unit manlint deb-test

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

# clonesafe.Uint64 against the runtime's rand.Uint64, with and without a
# published epoch, interleaved in one process: min, median and max over
# 10 runs of the per-run medians and ratios.
bench-clonesafe:
	@out=$$($(GO) test -run '^$$' -bench Uint64VsRuntime -count 10 ./clonesafe/) && echo "$$out" && echo "$$out" | ./scripts/bench-minmedmax

# The daemon's reaction time, from a kernel fork line (or an ID change) to
# the new epoch seen by a program: p50, p99 and max over 200 changes per
# path and reader, 3 runs, then min/median/max over the runs (README,
# "Measuring the reaction").
bench-latency:
	@out=$$($(GO) test -run '^$$' -bench DaemonLatency -benchtime 200x -count 3 ./cmd/vmgenid/) && echo "$$out" && echo "$$out" | ./scripts/bench-minmedmax

# Runs every fuzz target for FUZZTIME each (default 2m), one after another.
FUZZTIME ?= 2m
fuzz:
	./scripts/fuzz-all $(FUZZTIME)

# Installing and packaging. The version is the git tag (v1.2.3 -> 1.2.3,
# 4 commits later 1.2.3+git4.abcdef1), else 0.0.0~gitDATE.HASH: both sort
# as Debian versions should.
VERSION ?= $(shell ./scripts/version)
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
# systemd looks for units in /usr/local/lib/systemd/system too; the Debian
# package uses /lib/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
BUILD := build

# Static, reproducible binaries (no cgo, no local paths), stamped with the
# version that "vmgenid --version" prints.
build:
	mkdir -p $(BUILD)
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags '-s -w -X main.version=$(VERSION)' -o $(BUILD)/vmgenid ./cmd/vmgenid
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags '-s -w' -o $(BUILD)/vmgenid-host ./cmd/vmgenid-host

# The binaries (vmgenid-host beside vmgenid, where "vmgenid host" looks
# first), the unit pointing at SBINDIR, the man pages and the C header.
install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 $(BUILD)/vmgenid $(BUILD)/vmgenid-host $(DESTDIR)$(SBINDIR)/
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/systemd/vmgenid.service.in > $(BUILD)/vmgenid.service
	install -m 0644 $(BUILD)/vmgenid.service $(DESTDIR)$(UNITDIR)/vmgenid.service
	install -m 0644 man/vmgenid.8 $(DESTDIR)$(MANDIR)/man8/vmgenid.8
	ln -sf vmgenid.8 $(DESTDIR)$(MANDIR)/man8/vmgenid-host.8
	install -m 0644 man/vmgenid-state.5 $(DESTDIR)$(MANDIR)/man5/vmgenid-state.5
	install -m 0644 c/vmgenid.h $(DESTDIR)$(INCLUDEDIR)/vmgenid.h

# build/vmgenid_VERSION_ARCH.deb, with dpkg-deb from a tree staged by
# "make install" (scripts/mkdeb says why).
deb:
	./scripts/mkdeb $(VERSION)

# The man pages must be clean at mandoc's warning level (style notes, such
# as pages on other machines that are not installed here, are left out).
manlint:
	mandoc -T lint -W warning man/vmgenid.8 man/vmgenid-state.5

# Builds the .deb, lints it, installs it, checks it and removes it (root:
# CI's fresh Debian machine).
deb-test:
	./scripts/test-deb $(VERSION)
