"""Tests of vmgenid_state: python3 -m unittest (in this directory).

The crafted-file tests run anywhere. TestPublished reads a file the daemon
published: the Go test cmd/vmgenid TestPythonReader runs the daemon and then
this module with VMGENID_TEST_STATE (the path) and VMGENID_TEST_EXPECT (the
record the Go reader read, as JSON); without them it is skipped.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import unittest

import vmgenid_state


def page(epoch=5, flags=1, seq=4, version=1, magic=b"VMGENID\0", size=4096):
    b = bytearray(size)
    struct.pack_into(
        "<8sIIQQ16sQQq", b, 0, magic, version, flags, seq, epoch,
        bytes(range(1, 17)), 0xFFFF028, 3, 1_700_000_000_000_000_000,
    )
    return bytes(b)


class Crafted(unittest.TestCase):
    def write(self, data: bytes) -> str:
        fd, path = tempfile.mkstemp()
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self.addCleanup(os.unlink, path)
        return path

    def test_record(self):
        with vmgenid_state.open(self.write(page())) as f:
            self.assertEqual(f.epoch(), 5)
            s = f.current()
        self.assertEqual(s, vmgenid_state.State(5, 1, bytes(range(1, 17)), 0xFFFF028, 3, 1_700_000_000_000_000_000))
        self.assertTrue(s.id_known)
        self.assertFalse(s.id_withheld)
        self.assertEqual(f.epoch(), 0, "a closed file reads as epoch 0")

    def test_unknown_flag_bits_ignored(self):
        with vmgenid_state.open(self.write(page(flags=0x80000001))) as f:
            s = f.current()
        self.assertTrue(s.id_known)
        self.assertEqual(s.flags, 0x80000001)

    def test_id_unknown_or_withheld(self):
        with vmgenid_state.open(self.write(page(flags=2))) as f:
            s = f.current()
        self.assertEqual((s.id, s.paddr, s.id_known, s.id_withheld), (bytes(16), 0, False, True))

    def test_no_state(self):
        for e in (0, 2**64 - 1):
            with vmgenid_state.open(self.write(page(epoch=e))) as f:
                self.assertEqual(f.epoch(), 0)
                with self.assertRaises(vmgenid_state.NoState):
                    f.current()

    def test_stuck_writer(self):
        with vmgenid_state.open(self.write(page(seq=7))) as f:
            with self.assertRaises(vmgenid_state.StuckWriter):
                f.current()

    def test_refused(self):
        for data in (page(magic=b"VMGENIX\0"), page(version=2), page(size=100)):
            with self.assertRaises(ValueError):
                vmgenid_state.open(self.write(data))
        with self.assertRaises(FileNotFoundError):
            vmgenid_state.open(os.path.join(tempfile.gettempdir(), "no-such-vmgenid-state"))


class TestPublished(unittest.TestCase):
    """The record of a file the daemon published, as the Go reader read it."""

    def test_published(self):
        path = os.environ.get("VMGENID_TEST_STATE")
        if not path:
            self.skipTest("VMGENID_TEST_STATE not set (run by go test ./cmd/vmgenid)")
        want = json.loads(os.environ["VMGENID_TEST_EXPECT"])
        with vmgenid_state.open(path) as f:
            self.assertEqual(f.epoch(), want["epoch"])
            s = f.current()
        self.assertEqual(s.epoch, want["epoch"])
        self.assertEqual(s.flags, want["flags"])
        self.assertEqual(s.id.hex(), want["id"])
        self.assertEqual(s.paddr, want["paddr"])
        self.assertEqual(s.changes, want["changes"])
        self.assertEqual(s.last_change_ns, want["last_change_ns"])


if __name__ == "__main__":
    unittest.main()
