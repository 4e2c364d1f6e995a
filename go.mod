module github.com/vmgenid/vmgenid

// The oldest Go this module builds with: its requirements golang.org/x/sys
// v0.50.0, x/net v0.62.0, x/crypto v0.58.0, prometheus common v0.74.0
// (tests only), pandatix/go-abnf v0.5.5 and x/term v0.47.0 declare go
// 1.26.0, and the go command refuses a main module older than one of its
// requirements.
// The code alone needs go 1.25 (sync.WaitGroup.Go).
go 1.26.0

require (
	github.com/digitalocean/go-libvirt v0.0.0-20261013170128-efbbdf578ac8
	github.com/digitalocean/go-qemu v0.0.0-20250212194115-ee9b0668d242
	github.com/google/uuid v1.6.0
	github.com/mdlayher/netlink v1.11.2
	github.com/prometheus/client_model v0.6.3
	github.com/prometheus/common v0.74.0
	golang.org/x/sys v0.50.0
	libvirt.org/go/libvirtxml v1.12008.0
)

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/mdlayher/socket v0.6.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/pandatix/go-abnf v0.5.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
