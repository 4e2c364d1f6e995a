/*
 * example.c: print the vmgenid state with c/vmgenid.h.
 *
 *     cc -O2 -Wall -o vmgenid-example example.c && ./vmgenid-example [STATE-FILE]
 *
 * One "key=value" line each: the epoch from vmgenid_epoch, then the record
 * from vmgenid_current (or the error). The tests run it against a state file
 * the daemon publishes.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmgenid.h"

int main(int argc, char **argv)
{
	struct vmgenid v;
	struct vmgenid_state s;
	int err;

	err = vmgenid_open(&v, argc > 1 ? argv[1] : NULL);
	if (err != 0) {
		printf("open=%s\nepoch=%" PRIu64 "\n", strerror(-err), vmgenid_epoch(&v));
		return 1;
	}
	printf("epoch=%" PRIu64 "\n", vmgenid_epoch(&v));
	err = vmgenid_current(&v, &s);
	if (err != 0) {
		printf("current=%s\n", strerror(-err));
		vmgenid_close(&v);
		return 1;
	}
	printf("current.epoch=%" PRIu64 "\nflags=%" PRIu32 "\nid=", s.epoch, s.flags);
	for (int i = 0; i < 16; i++)
		printf("%02x", s.id[i]);
	printf("\npaddr=%" PRIu64 "\nchanges=%" PRIu64 "\nlast_change_ns=%" PRId64 "\n",
	       s.paddr, s.changes, s.last_change_ns);
	vmgenid_close(&v);
	printf("closed.epoch=%" PRIu64 "\n", vmgenid_epoch(&v));
	return 0;
}
