"""The board's BLE link: GATT services, the control point, session transfer, live view.

IRQ handlers only note what happened (a request is copied into a small
queue; a connection, an MTU, an encryption change is recorded); the work
happens in ``service``, called from the main loop's slow part, so a request
never runs inside the BLE stack's callback and the per-sample path is never
delayed by it. Protocol: ``korsetfw.protocol``.

Security (docs/ble.md): on every port, requests other than ``HELLO`` and
``AUTH`` are served only on a connection whose host has proved that it holds
the board's key (``korsetfw.boardkey``: written over USB when the board was
flashed). Where the stack can bond (NimBLE), every Korset characteristic also
needs an encrypted link (the stack refuses others) and requests are served
only on a link encrypted with a bond; new bonds are accepted only while the
pairing window is open: on a board with no bond at all, after a short press
of the button while no set runs, or when an authorised host asks
(``PAIRING``). A link that pairs outside the window is not bonded and is
dropped. BTstack (the Pico W family) cannot bond in MicroPython: there the
key alone authorises, and ``config`` is not offered keys it lacks.

Stacks differ in what ``gatts_notify`` does when its buffers are full
(``STACKS``): NimBLE raises ``OSError(ENOMEM)`` and the link tries again on
the next pass; BTstack copies the value into the heap and sends it later
(``extmod/btstack/modbluetooth_btstack.c``, ``mp_bluetooth_gatts_notify_indicate``),
so there the link keeps less in flight (``QUEUED_WINDOW``). Any other error
from the stack (``ENOTCONN`` when the phone has gone) ends this connection's
work, never the board's.
"""

import struct

from korsetfw import FIRMWARE_VERSION, boardkey, catalogue, const, forget, print_exception
from korsetfw import protocol as p
from korsetfw.units import from_decideg, to_decideg

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_GET_SECRET = const(29)
_IRQ_SET_SECRET = const(30)

_ENOMEM = const(12)
_ENOTCONN = const(107)

# MicroPython's BLE stacks, as a board file names them (``ble.stack``): (whether it can
# pair and bond, whether gatts_notify queues in the heap instead of raising ENOMEM).
STACKS = {"nimble": (True, False), "btstack": (False, True)}
QUEUED_WINDOW = const(4096)  # bytes in flight on a queuing stack: each is heap until sent

_MAX_REQUESTS = const(8)
_ADV_INTERVAL_US = const(250000)
PAIRING_WINDOW_S = 120
_BOND_SEC_TYPE = const(2)


class Link:
    def __init__(self, ble, bluetooth, app, store, bonds, clock, name, battery_pct=None,
                 stack="nimble", key=None, device_id=b"", wallclock=None, board_name="",
                 out=print):
        """``ble``: the BLE object; ``bluetooth``: its module (for UUID); ``app``: the App,
        asked and commanded through its methods only (``state``, ``live_values``,
        ``start_set``...); ``stack``: the port's BLE stack (a ``STACKS`` key); ``key``: the
        board key (bytes, or None: the board was flashed without one and authorises
        nobody); ``device_id``: the MCU's id, told in HELLO; ``wallclock``: the board's
        ``korsetfw.wallclock.WallClock``; ``board_name``: its board definition's name."""
        self.ble = ble
        self.bt = bluetooth
        self.app = app
        self.wallclock = wallclock
        self.board_name = board_name
        self.out = out
        self.store = store
        self.bonds = bonds
        self.clock = clock
        self.name = name
        self.battery_pct = battery_pct  # a function returning 0-100, or None
        self.can_bond, self.notify_queues = STACKS[stack]
        self.key = key
        self.device_id = bytes(device_id)
        self.conn = None
        self.mtu = 23
        self.encrypted = False
        self.bonded = False  # the link is encrypted with a bond (stacks that bond)
        self.key_proved = False  # the host proved the board key on this connection
        self._nonce = None  # the board's nonce of the last HELLO (used once)
        self._cipher = None  # boardkey.PayloadCipher of this connection, once authorised
        self._live_seq = 0  # LIVE packets sent on this connection (their counter block)
        self.requests = []  # at most _MAX_REQUESTS; more are dropped (the host times out)
        self.pending = []  # responses the stack had no room for yet
        self._pairing_until_ms = None
        self._transfer = None  # [session, file, size, next offset, acked offset, window]
        self._live_period_ms = 0
        self._live_next_ms = 0
        self._packet = bytearray(p.ATT_MTU)
        self._adv = (b"", b"")  # (advertising data, scan response), made by start
        self.h_control = self.h_data = self.h_live = self.h_battery = 0  # handles: start
        self.running = False

    # -- start -----------------------------------------------------------------------

    def start(self):
        """Switch the radio on, register the services, advertise (once, from App.run).
        The work is ``korsetfw.linkstart``'s, dropped again once done: its code runs once
        and the board's heap keeps only what the link needs afterwards."""
        from korsetfw import linkstart

        linkstart.start(self)
        forget("linkstart")
        self.running = True

    @property
    def authorised(self):
        """Whether requests are served on this connection."""
        return self.key_proved and (self.bonded or not self.can_bond)

    def _advertise(self):
        adv, resp = self._adv  # made by start
        self.ble.gap_advertise(_ADV_INTERVAL_US, adv, resp)

    def _update_battery(self):
        level = self.battery_pct() if self.battery_pct is not None else None
        if level is not None:
            self.ble.gatts_write(self.h_battery, bytes((max(0, min(100, level)),)))

    # -- pairing window --------------------------------------------------------------

    @property
    def pairing_open(self):
        until = self._pairing_until_ms
        if until is None:
            return False
        if until == -1:
            return len(self.bonds) == 0
        return self.clock.ticks_diff(until, self.clock.ticks_ms()) > 0

    def open_pairing(self, seconds=PAIRING_WINDOW_S):
        self._pairing_until_ms = (None if seconds <= 0 else
                                  self.clock.ticks_add(self.clock.ticks_ms(), seconds * 1000))

    # -- IRQ: note, do not work ------------------------------------------------------

    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            # One host at a time: whatever an earlier connection left (its disconnect
            # may come after this connect, or never) ends here.
            self._forget_connection()
            self.conn = data[0]
            self.mtu = 23
            self.encrypted = False
        elif event == _IRQ_CENTRAL_DISCONNECT:
            # (conn None: a failed notify already gave this connection up; advertise again.)
            if data[0] == self.conn or self.conn is None:
                self._forget_connection()
                self._advertise()
        elif event == _IRQ_GATTS_WRITE:
            conn, handle = data[0], data[1]
            if conn == self.conn and handle == self.h_control:
                if len(self.requests) < _MAX_REQUESTS:
                    self.requests.append(bytes(self.ble.gatts_read(handle)))
        elif event == _IRQ_MTU_EXCHANGED:
            if data[0] == self.conn:
                self.mtu = data[1]
        elif event == _IRQ_ENCRYPTION_UPDATE:
            conn, encrypted, _authenticated, bonded = data[0], data[1], data[2], data[3]
            if conn == self.conn:
                self.encrypted = bool(encrypted)
                self.bonded = bool(encrypted and bonded)
                if encrypted and not bonded:
                    self.ble.gap_disconnect(conn)  # paired outside the pairing window
        elif event == _IRQ_GET_SECRET:
            sec_type, index, key = data
            return self.bonds.get(sec_type, index, key)
        elif event == _IRQ_SET_SECRET:
            sec_type, key, value = data
            if value is not None and not self.bonds.has(sec_type, key) and \
                    not self.pairing_open:
                return False
            was_first = len(self.bonds) == 0
            self.bonds.set(sec_type, key, value)
            if was_first and self._pairing_until_ms == -1 and value is not None:
                self._pairing_until_ms = None  # the first bond closes the first-boot window
            return True
        return None

    def _forget_connection(self):
        """The connection is gone: nothing of its work survives it."""
        self.conn = None
        self.bonded = False
        self.key_proved = False
        self._nonce = None
        self._cipher = None
        self._end_transfer()
        self._live_period_ms = 0
        self.requests = []
        self.pending = []

    # -- the main loop's slow part ---------------------------------------------------

    def has_work(self):
        """Whether ``service`` has something to do now."""
        if self.conn is None:
            return False
        t = self._transfer
        return bool(self.requests or self.pending or
                    (t is not None and self._cipher is not None and t[3] < t[2] and
                     t[3] - t[4] < t[5]))

    def service(self):
        """Answer requests, move session data, send live packets. Never blocks."""
        if not self.running or self.conn is None:
            return
        while self.pending:
            if not self._notify(self.h_control, self.pending[0]):
                return
            self.pending.pop(0)
        while self.requests:
            request = self.requests.pop(0)
            response = self.handle(request)
            if response is None:
                continue  # ACK: not answered
            if not self._notify(self.h_control, response):
                if self.conn is not None:  # buffers full: send it next pass
                    self.pending.append(response)
                return
        self._pump()
        self._live()

    def _notify(self, handle, data):
        """Send a notification; False when it was not sent (and should not be retried
        now). ENOMEM: the stack's buffers are full, try again next pass. Any other error
        (ENOTCONN: the host went away before the stack told us) ends this connection's
        work; the disconnect event, if it comes, finds nothing left to do."""
        try:
            self.ble.gatts_notify(self.conn, handle, data)
            return True
        except OSError as e:
            if e.args[0] == _ENOMEM:
                return False
            self.out("ble: notify failed (errno %s); connection dropped"
                     % (e.args[0] if e.args else "?"))
            conn = self.conn
            self._forget_connection()
            try:
                if conn is not None:
                    self.ble.gap_disconnect(conn)
            except OSError:
                pass  # already gone
            return False

    # -- requests --------------------------------------------------------------------

    def handle(self, request):
        """The response (bytes) to one control-point request (bytes). Never raises."""
        if len(request) < 2:
            return struct.pack(p.RESPONSE_HEADER, p.RESPONSE, 0, p.MALFORMED)
        op, seq = request[0], request[1]
        body = request[2:]
        head = struct.pack(p.RESPONSE_HEADER, (op | p.RESPONSE) & 0xFF, seq, p.OK)
        if op == p.HELLO or op == p.AUTH:
            try:
                return self._hello(head, body) if op == p.HELLO else self._auth(head, body)
            except ValueError:
                return self._status(head, p.MALFORMED)
        if not self.authorised:
            return self._status(head, p.NOT_AUTHORISED)
        if self.mtu < p.MIN_MTU:
            return self._status(head, p.MTU_TOO_SMALL)
        handler = _HANDLERS.get(op)
        if handler is None:
            return self._status(head, p.UNKNOWN_OP)
        try:
            return handler(self, head, body)
        except (ValueError, TypeError, KeyError, IndexError):
            return self._status(head, p.MALFORMED)
        except OSError:
            return self._status(head, p.STORAGE_ERROR)
        except Exception as e:  # a bug must not stop the board: report it, answer, go on
            print_exception(e)
            return self._status(head, p.INTERNAL_ERROR)

    @staticmethod
    def _status(head, status, body=b""):
        return head[:2] + bytes((status,)) + body

    @staticmethod
    def _body(fmt, body):
        if len(body) != struct.calcsize(fmt):
            raise ValueError("body length")
        return struct.unpack(fmt, body)

    def _hello(self, head, body):
        import os

        self._body("<", body)
        self._nonce = os.urandom(boardkey.NONCE_BYTES)
        flags = (p.HELLO_FLAG_KEY if self.key is not None else 0) | \
            (p.HELLO_FLAG_BONDS if self.can_bond else 0)
        return head + struct.pack(p.HELLO_RESP, p.PROTOCOL_VERSION, flags, self._nonce) + \
            self.device_id

    def _auth(self, head, body):
        host_nonce, mac = self._body(p.AUTH_REQ, body)
        nonce = self._nonce
        self._nonce = None  # one answer per nonce: a wrong guess costs a new HELLO
        if self.key is None:
            return self._status(head, p.NO_KEY)
        if nonce is None:
            return self._status(head, p.BAD_STATE)
        if not boardkey.same(mac, boardkey.host_mac(self.key, nonce, host_nonce)):
            self.out("ble: a host failed to prove the board key")
            return self._status(head, p.AUTH_FAILED)
        try:
            import cryptolib
        except ImportError:
            # Every listed port has it; one without would send health data in clear.
            self.out("ble: this port has no cryptolib: no host is served")
            return self._status(head, p.INTERNAL_ERROR)
        self._cipher = boardkey.PayloadCipher(
            cryptolib.aes(boardkey.connection_key(self.key, nonce, host_nonce), 1))
        self._live_seq = 0
        self.key_proved = True
        return head + struct.pack(p.AUTH_RESP, boardkey.board_mac(self.key, host_nonce, nonce))

    def _info(self, head, body):
        self._body("<", body)
        running, recording, storage_full, errors = self.app.state()
        flags = 0
        if recording:
            flags |= p.INFO_FLAG_RECORDING
        if storage_full:
            flags |= p.INFO_FLAG_STORAGE_FULL
        if running:
            flags |= p.INFO_FLAG_SET_ACTIVE
        if self.pairing_open:
            flags |= p.INFO_FLAG_PAIRING_OPEN
        clock = self.wallclock
        if clock.is_set:
            flags |= p.INFO_FLAG_CLOCK_SET
        if errors:
            flags |= p.INFO_FLAG_ERRORS
        sessions = self.store.sessions()
        used = self.store.used_bytes()
        battery = self.battery_pct() if self.battery_pct is not None else None
        unix = clock.unix_s() or 0
        major, minor, patch = p.version_tuple(FIRMWARE_VERSION)
        return head + struct.pack(
            p.INFO_RESP, p.PROTOCOL_VERSION, major, minor, patch, flags, len(sessions), used,
            self.store.free_bytes(), 255 if battery is None else battery, unix,
            clock.uptime_ms() // 1000, min(errors, 0xFFFF), clock.boot) + \
            self.board_name.encode()[:32]

    def _set_time(self, head, body):
        (unix,) = self._body(p.SET_TIME_REQ, body)
        if unix < 1500000000:
            return self._status(head, p.OUT_OF_RANGE)
        self.wallclock.set_unix_s(unix)
        return head

    def _exercise(self, body):
        code, tolerance_decideg = self._body(p.EXERCISE_REQ, body)
        exercise = catalogue.get(p.exercise_from_code(code))  # KeyError: malformed
        tolerance = None
        if tolerance_decideg:
            tolerance = from_decideg(tolerance_decideg)
            lo, hi = catalogue.TOLERANCE_RANGE_DEG
            if not lo <= tolerance <= hi:
                raise ValueError("tolerance")
        return exercise, tolerance

    def _configure(self, head, body):
        try:
            exercise, tolerance = self._exercise(body)
        except ValueError:
            return self._status(head, p.OUT_OF_RANGE)
        self.app.configure(exercise, tolerance)
        return head

    def _start(self, head, body):
        if body:
            try:
                exercise, tolerance = self._exercise(body)
            except ValueError:
                return self._status(head, p.OUT_OF_RANGE)
            self.app.start_set(exercise, tolerance)
            return head
        if self.app.has_programme():
            self.app.start_next_in_programme()
            return head
        exercise, tolerance = self.app.configured()
        if exercise is None:
            return self._status(head, p.BAD_STATE)
        self.app.start_set(exercise, tolerance)
        return head

    def _programme(self, head, body):
        from korsetfw import programme

        try:
            sets = programme.unpack_all(body)
        except KeyError:
            return self._status(head, p.OUT_OF_RANGE)
        self.app.set_programme(sets, body)
        return head

    def _stop(self, head, body):
        self._body("<", body)
        if not self.app.state()[0]:
            return self._status(head, p.BAD_STATE)
        self.app.stop_set()
        return head

    def _reference(self, head, body):
        self._body("<", body)
        if not self.app.state()[0]:
            return self._status(head, p.BAD_STATE)
        self.app.request_reference()
        return head

    def _live_request(self, head, body):
        (rate,) = self._body(p.LIVE_REQ, body)
        lo, hi = p.LIVE_RATES_HZ
        if rate and not lo <= rate <= hi:
            return self._status(head, p.OUT_OF_RANGE)
        self._live_period_ms = 1000 // rate if rate else 0
        self._live_next_ms = self.clock.ticks_ms()
        return head

    def _list(self, head, body):
        (first,) = self._body(p.LIST_REQ, body)
        sessions = self.store.sessions()
        room = (self.mtu - 3 - len(head) - struct.calcsize(p.LIST_RESP)) // \
            struct.calcsize(p.LIST_ENTRY)
        entries = sessions[first:first + max(0, room)]
        out = head + struct.pack(p.LIST_RESP, len(sessions), len(entries))
        for number in entries:
            flags = p.LIST_FLAG_RECORDING if self._recording(number) else 0
            out += struct.pack(p.LIST_ENTRY, number, self.store.size(number), flags)
        return out

    def _recording(self, number):
        return self.app.is_recording(number)

    def _read(self, head, body):
        number, offset, window = self._body(p.READ_REQ, body)
        if self._recording(number):
            return self._status(head, p.BUSY)
        try:
            size = self.store.size(number)
        except OSError:
            return self._status(head, p.NO_SESSION)
        if offset > size or window == 0:
            return self._status(head, p.OUT_OF_RANGE)
        digest = self.store.sha256(number)
        self._end_transfer()
        f = open(self.store.path(number), "rb")
        limit = QUEUED_WINDOW if self.notify_queues else p.MAX_WINDOW
        self._transfer = [number, f, size, offset, offset, min(window, limit)]
        return head + struct.pack(p.READ_RESP, number, size, digest)

    def _ack(self, head, body):
        number, offset = self._body(p.ACK_REQ, body)
        t = self._transfer
        if t is None or t[0] != number:
            return self._status(head, p.BAD_STATE)
        if not t[4] <= offset <= t[3]:
            return self._status(head, p.OUT_OF_RANGE)
        t[4] = offset
        if offset >= t[2]:
            self._end_transfer()
        return None  # ACKs are not answered: they flow with the data

    def _confirm(self, head, body):
        number, digest = self._body(p.CONFIRM_REQ, body)
        if self._recording(number):
            return self._status(head, p.BUSY)
        if self._transfer is not None and self._transfer[0] == number:
            self._end_transfer()
        try:
            self.store.confirm(number, digest)
        except ValueError:
            return self._status(head, p.HASH_MISMATCH)
        except OSError:
            return self._status(head, p.NO_SESSION)
        return head

    def _erase(self, head, body):
        (token,) = self._body(p.ERASE_REQ, body)
        if token != p.ERASE_TOKEN:
            return self._status(head, p.MALFORMED)
        self._end_transfer()
        import os

        for number in self.store.sessions():
            if not self._recording(number):
                os.remove(self.store.path(number))
        return head

    def _forget(self, head, body):
        self._body("<", body)
        self.bonds.clear()
        self._pairing_until_ms = -1  # no bond left: open until the next one
        return head

    def _pairing(self, head, body):
        (seconds,) = self._body(p.PAIRING_REQ, body)
        self.open_pairing(seconds)
        return head

    # -- session transfer ------------------------------------------------------------

    def _end_transfer(self):
        t = self._transfer
        self._transfer = None
        if t is not None:
            t[1].close()

    def _pump(self):
        t = self._transfer
        cipher = self._cipher
        if t is None or cipher is None:  # (a transfer needs an authorised connection)
            return
        f, size = t[1], t[2]
        payload = self.mtu - 3 - p.DATA_HEADER_BYTES
        packet = self._packet
        view = memoryview(packet)
        while t[3] < size and t[3] - t[4] < t[5]:
            offset = t[3]
            n = min(payload, size - offset, t[5] - (offset - t[4]))
            f.seek(offset)
            got = f.readinto(view[p.DATA_HEADER_BYTES:p.DATA_HEADER_BYTES + n])
            if not got:
                self._end_transfer()
                return
            struct.pack_into(p.DATA_HEADER, packet, 0, offset)
            cipher.apply(packet, p.DATA_HEADER_BYTES, got, boardkey.STREAM_DATA, t[0], offset)
            if not self._notify(self.h_data, view[:p.DATA_HEADER_BYTES + got]):
                return
            t[3] = offset + got

    # -- live view -------------------------------------------------------------------

    def _live(self):
        cipher = self._cipher
        if not self._live_period_ms or cipher is None:
            return
        now = self.clock.ticks_ms()
        if self.clock.ticks_diff(now, self._live_next_ms) < 0:
            return
        self._live_next_ms = self.clock.ticks_add(self._live_next_ms, self._live_period_ms)
        if self.clock.ticks_diff(now, self._live_next_ms) > 0:
            self._live_next_ms = now  # fell behind: do not burst
        rot, flex, lat, state, buzzing, recording, count = self.app.live_values()
        flags = (1 if buzzing else 0) | (2 if recording else 0)
        seq = self._live_seq
        self._live_seq = (seq + 1) & 0x3FFFFFFF
        packet = bytearray(struct.pack(p.LIVE_HEADER, seq) + struct.pack(
            p.LIVE_PACKET, now, to_decideg(rot), to_decideg(flex), to_decideg(lat), state,
            flags, count & 0xFFFF))
        cipher.apply(packet, p.LIVE_HEADER_BYTES, len(packet) - p.LIVE_HEADER_BYTES,
                     boardkey.STREAM_LIVE, 0, 16 * seq)
        self._notify(self.h_live, packet)




_HANDLERS = {
    p.INFO: Link._info, p.SET_TIME: Link._set_time, p.CONFIGURE: Link._configure,
    p.START: Link._start, p.STOP: Link._stop, p.REFERENCE: Link._reference,
    p.LIVE: Link._live_request, p.PROGRAMME: Link._programme, p.LIST: Link._list,
    p.READ: Link._read, p.ACK: Link._ack,
    p.CONFIRM: Link._confirm, p.ERASE: Link._erase, p.FORGET: Link._forget,
    p.PAIRING: Link._pairing,
}
