package main

import (
	"context"
	"sync"

	"github.com/vmgenid/vmgenid/internal/daemon"
	"github.com/vmgenid/vmgenid/internal/metrics"
)

// startMetrics serves the Prometheus metrics --metrics asks for until ctx
// is done; stop cancels and waits for the server. Without --metrics it
// returns a nil Monitor and a stop that does nothing. The listener is
// opened here, so that a refused or busy address fails the start.
func startMetrics(ctx context.Context, o daemonOptions, logf func(string, ...any)) (_ daemon.Monitor, stop func(), _ error) {
	if o.metrics == "" {
		return nil, func() {}, nil
	}
	l, err := metrics.Listen(o.metrics, o.metricsAllowRemote)
	if err != nil {
		return nil, nil, err
	}
	m := metrics.New()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := m.Serve(ctx, l); err != nil {
			logf("%v", err)
		}
	})
	logf("serving metrics on http://%s/metrics", l.Addr())
	return m, func() { cancel(); wg.Wait() }, nil
}
