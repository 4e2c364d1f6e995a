/*
 * vmgenid.h: read the vmgenid daemon's state file from C or C++.
 *
 * A single header with no dependency beyond libc. It implements the reader's
 * protocol of vmgenid-state(5) (docs/state-file.md): map the one-page file
 * read-only, check the magic and the version once, then read the entropy
 * epoch with one acquire load, or a consistent record with the seqlock.
 *
 *     struct vmgenid v;
 *     uint64_t seen = 0;
 *     vmgenid_open(&v, NULL);            // failure leaves epoch 0: retry later
 *     ...
 *     uint64_t now = vmgenid_epoch(&v);  // one load, no system call
 *     if (now != seen) { reseed_my_generators(); seen = now; }
 *     ...
 *     vmgenid_close(&v);
 *
 * Compare epochs for equality, never for order (they wrap). Epoch 0 means
 * no valid state (no daemon has published since boot, or the file could
 * not be mapped).
 *
 * Needs a 64-bit target (a 64-bit atomic load on a 32-bit one may be a
 * locked read-modify-write, which faults on a read-only mapping) and GCC or
 * Clang (the __atomic builtins). Works on little- and big-endian hosts.
 */
#ifndef VMGENID_H
#define VMGENID_H

#if !defined(__GNUC__)
#error "vmgenid.h needs GCC or Clang (__atomic builtins)"
#endif
#if !defined(__LP64__) && !defined(_LP64)
#error "vmgenid.h needs a 64-bit target (see vmgenid-state(5))"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where the daemon publishes by default (vmgenid daemon --state). */
#if defined(__NetBSD__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
#define VMGENID_DEFAULT_PATH "/var/run/vmgenid/state"
#else
#define VMGENID_DEFAULT_PATH "/run/vmgenid/state"
#endif

/* Flag bits of struct vmgenid_state. Other bits are reserved: ignore them. */
#define VMGENID_FLAG_ID_KNOWN    0x1u /* id and paddr hold the VM generation ID */
#define VMGENID_FLAG_ID_WITHHELD 0x2u /* the daemon knows the ID but keeps it out of this file */

/* How long vmgenid_current retries while the writer seems stuck mid-update
 * (the Go reader's bound): a daemon that died there left seq odd. */
#define VMGENID_STUCK_NS 100000000LL

/* An open state file. Treat the members as private. */
struct vmgenid {
	const unsigned char *page; /* the read-only mapping; NULL if not open */
};

/* A consistent record of the state file. */
struct vmgenid_state {
	uint64_t epoch;          /* the entropy epoch; never 0 here */
	uint32_t flags;          /* VMGENID_FLAG_*; unknown bits as published */
	uint8_t  id[16];         /* the ID in guest-memory order; zero unless ID_KNOWN */
	uint64_t paddr;          /* physical address of the ID; 0 if unknown */
	uint64_t changes;        /* changes the daemon has seen since boot */
	int64_t  last_change_ns; /* Unix ns of the last change; 0 if none since boot */
};

/* Layout (vmgenid-state(5)). */
#define VMGENID__PAGE    4096
#define VMGENID__VERSION 1u
#define VMGENID__O_VF    8  /* version (low half), flags (high half) */
#define VMGENID__O_SEQ   16
#define VMGENID__O_EPOCH 24
#define VMGENID__O_ID    32
#define VMGENID__O_PADDR 48
#define VMGENID__O_CHG   56
#define VMGENID__O_LAST  64

static inline uint64_t vmgenid__le64(uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

/* One atomic 64-bit load of the little-endian word at off. */
static inline uint64_t vmgenid__load(const unsigned char *p, int off, int order)
{
	const uint64_t *w = (const uint64_t *)(const void *)(p + off);
	return vmgenid__le64(__atomic_load_n(w, order));
}

/*
 * vmgenid_open maps the state file at path (NULL: VMGENID_DEFAULT_PATH) and
 * checks its magic and version. It returns 0, or a negative errno: -ENOENT
 * when no daemon has published (try again later, at a modest rate), -EPROTO
 * when the file is not a version 1 vmgenid state file. On failure v reads as
 * epoch 0 and may be passed to vmgenid_close.
 */
static inline int vmgenid_open(struct vmgenid *v, const char *path)
{
	struct stat st;
	void *p;
	int fd, err;

	v->page = NULL;
	fd = open(path ? path : VMGENID_DEFAULT_PATH, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* A short file would fault on access: the daemon never writes one. */
	if (fstat(fd, &st) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < VMGENID__PAGE) {
		close(fd);
		return -EPROTO;
	}
	p = mmap(NULL, VMGENID__PAGE, PROT_READ, MAP_SHARED, fd, 0);
	err = -errno;
	close(fd); /* the mapping stays valid */
	if (p == MAP_FAILED)
		return err;
	if (memcmp(p, "VMGENID", 8) != 0 ||
	    (uint32_t)vmgenid__load((const unsigned char *)p, VMGENID__O_VF, __ATOMIC_RELAXED) != VMGENID__VERSION) {
		munmap(p, VMGENID__PAGE);
		return -EPROTO;
	}
	v->page = (const unsigned char *)p;
	return 0;
}

/*
 * vmgenid_epoch returns the published entropy epoch with one acquire load:
 * 0 when v is not open or nothing valid is published. It changes exactly
 * when the VM was cloned or restored (and the kernel's RNG reseeded).
 */
static inline uint64_t vmgenid_epoch(const struct vmgenid *v)
{
	uint64_t e;

	if (v->page == NULL)
		return 0;
	e = vmgenid__load(v->page, VMGENID__O_EPOCH, __ATOMIC_ACQUIRE);
	return e == UINT64_MAX ? 0 : e;
}

static inline int64_t vmgenid__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * vmgenid_current reads a consistent record with the seqlock. It returns 0,
 * or a negative errno: -EBADF when v is not open, -EAGAIN when no valid
 * state is published (epoch 0), -EBUSY when the writer stayed mid-update for
 * VMGENID_STUCK_NS (it died there; the next daemon finishes the update).
 */
static inline int vmgenid_current(const struct vmgenid *v, struct vmgenid_state *out)
{
	const unsigned char *p = v->page;
	int64_t deadline = 0;
	uint64_t s1, vf, id0, id1;
	struct vmgenid_state r;

	if (p == NULL)
		return -EBADF;
	for (unsigned long tries = 0;; tries++) {
		/* Look at the clock only once the first reads failed. */
		if (tries == 16)
			deadline = vmgenid__now_ns() + VMGENID_STUCK_NS;
		else if (tries > 16 && vmgenid__now_ns() > deadline)
			return -EBUSY;
		s1 = vmgenid__load(p, VMGENID__O_SEQ, __ATOMIC_ACQUIRE);
		if (s1 & 1) { /* the daemon is writing */
			sched_yield();
			continue;
		}
		vf = vmgenid__load(p, VMGENID__O_VF, __ATOMIC_RELAXED);
		r.epoch = vmgenid__load(p, VMGENID__O_EPOCH, __ATOMIC_RELAXED);
		/* The ID's bytes are in memory order: copy the words unswapped. */
		id0 = __atomic_load_n((const uint64_t *)(const void *)(p + VMGENID__O_ID), __ATOMIC_RELAXED);
		id1 = __atomic_load_n((const uint64_t *)(const void *)(p + VMGENID__O_ID + 8), __ATOMIC_RELAXED);
		r.paddr = vmgenid__load(p, VMGENID__O_PADDR, __ATOMIC_RELAXED);
		r.changes = vmgenid__load(p, VMGENID__O_CHG, __ATOMIC_RELAXED);
		r.last_change_ns = (int64_t)vmgenid__load(p, VMGENID__O_LAST, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (vmgenid__load(p, VMGENID__O_SEQ, __ATOMIC_RELAXED) != s1)
			continue; /* an update ran meanwhile */
		if (r.epoch == 0 || r.epoch == UINT64_MAX)
			return -EAGAIN;
		r.flags = (uint32_t)(vf >> 32);
		if (r.flags & VMGENID_FLAG_ID_KNOWN) {
			memcpy(r.id, &id0, 8);
			memcpy(r.id + 8, &id1, 8);
		} else {
			memset(r.id, 0, sizeof r.id);
			r.paddr = 0;
		}
		*out = r;
		return 0;
	}
}

/* vmgenid_close unmaps the file; v then reads as epoch 0. */
static inline void vmgenid_close(struct vmgenid *v)
{
	if (v->page != NULL)
		munmap((void *)v->page, VMGENID__PAGE);
	v->page = NULL;
}

#ifdef __cplusplus
}
#endif
#endif /* VMGENID_H */
