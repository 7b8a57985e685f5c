"""Sync figures: protocol overhead and throughput on the virtual link, and a week's sync.

A virtual board records a few simulated sets (the firmware, as always), then
the host syncs them over the virtual BLE link (two real Bumble stacks in one
process). The virtual link has no radio timing, so its throughput measures
the two stacks and the firmware's transfer loop, not a BLE connection; the
bytes on the air per byte of session, which the protocol decides, carry over
to a real link, and with them the time a week of sets takes at a real link's
rate.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from pathlib import Path

from korset.ble.radio import VirtualRadio, connected, find_board
from korset.ble.sync import sync
from korset.replay import end_with_long_press
from korset.sessionstore import SessionStore
from korset.sim.simulate import simulate
from korset.vboard import VirtualBoard
from korsetfw import catalogue as cat
from korsetfw import protocol as p

ATT_NOTIFY_HEADER = 3  # opcode + handle
ATT_WRITE_HEADER = 3
L2CAP_HEADER = 4
REAL_LINK_BYTES_PER_S = 30_000  # a bleak host at a 15 ms connection interval (published)
REAL_ROUND_TRIP_S = 0.045  # a request and its answer: ~3 connection intervals
WEEK_SETS = 14  # two sets a day
SET_SECONDS = 180.0  # a typical leaflet set, three minutes
BYTES_PER_SAMPLE = 3.5  # korset bench storage, 104 Hz


def _record(board_dir: Path, sets: int) -> None:
    vb = VirtualBoard(board_dir)
    for i in range(sets):
        sim = simulate(cat.get(3), 7000 + i, reps=10)
        result = vb.run(sim.recording, settings={"exercise": 3, "status_period_s": 0},
                        install=(i == 0), **end_with_long_press(sim.recording.duration_s))
        if result.exit_code != 0:
            raise RuntimeError("\n".join(result.console[-20:]))


def air_bytes(size: int, mtu: int = p.ATT_MTU, window: int = p.DEFAULT_WINDOW) -> dict:
    """Bytes over the air to move a session of ``size`` bytes (payloads, headers, ACKs,
    and the READ, its answer, and the CONFIRM with its answer)."""
    payload = mtu - ATT_NOTIFY_HEADER - p.DATA_HEADER_BYTES
    packets = math.ceil(size / payload)
    data = size + packets * (p.DATA_HEADER_BYTES + ATT_NOTIFY_HEADER + L2CAP_HEADER)
    acks = math.ceil(size / (window // 2)) * (ATT_WRITE_HEADER + L2CAP_HEADER + 2 + 8)
    requests = 2 * (ATT_WRITE_HEADER + L2CAP_HEADER) + 2 + 10 + 2 + 36  # READ, CONFIRM
    answers = 2 * (ATT_NOTIFY_HEADER + L2CAP_HEADER) + 3 + 40 + 3
    total = data + acks + requests + answers
    return {"session_bytes": size, "packets": packets, "air_bytes": total,
            "overhead_pct": 100 * (total - size) / size,
            "data_header_pct": 100 * p.DATA_HEADER_BYTES / payload}


def run_sync_bench(sets: int = 4) -> dict:
    with tempfile.TemporaryDirectory(prefix="korset-bench-sync-") as tmp:
        board_dir = Path(tmp) / "board"
        _record(board_dir, sets)
        store = SessionStore(Path(tmp) / "store")

        async def go():
            async with VirtualRadio(board_dir, settings={"status_period_s": 0},
                                    install=True) as radio:
                device = await find_board(radio, None)
                async with connected(radio, device, pair=True) as kc:
                    sizes = [e.size for e in await kc.list_sessions()]
                    started = time.monotonic()
                    report = await sync(kc, store, device.address)
                    return sizes, report, time.monotonic() - started, kc.stray_packets

        sizes, report, seconds, stray = asyncio.run(go())
    total = sum(sizes)
    air = [air_bytes(s) for s in sizes]
    overhead = 100 * (sum(a["air_bytes"] for a in air) - total) / total
    week_session = int(SET_SECONDS * 104 * BYTES_PER_SAMPLE)
    week_air = air_bytes(week_session)["air_bytes"] * WEEK_SETS
    week_s = week_air / REAL_LINK_BYTES_PER_S + WEEK_SETS * 4 * REAL_ROUND_TRIP_S
    return {
        "sessions": len(sizes), "session_bytes": total, "sync_seconds": round(seconds, 3),
        "virtual_link_kbytes_per_s": round(total / seconds / 1000, 1),
        "stray_packets": stray, "confirmed": len(report.confirmed),
        "data_header_pct": round(air[0]["data_header_pct"], 2),
        "protocol_overhead_pct": round(overhead, 2),
        "week": {"sets": WEEK_SETS, "set_seconds": SET_SECONDS,
                 "session_bytes": week_session, "total_bytes": week_session * WEEK_SETS,
                 "real_link_bytes_per_s": REAL_LINK_BYTES_PER_S,
                 "seconds_at_real_link": round(week_s, 1)},
    }
