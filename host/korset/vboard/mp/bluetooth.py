"""``bluetooth`` for the virtual board: MicroPython's BLE API, served by a real BLE stack.

The unix port has no radio, so this module implements the part of
``bluetooth.BLE`` the firmware uses, with the ports' IRQ codes, flags and
calling conventions, and hands every operation to the host's bridge
(``korset.vble.bridge``): a Bumble peripheral on a virtual controller whose
GATT server, SMP pairing and ATT flow are Bumble's own. Nothing of ATT or GATT
is imitated here.

Messages to and from the bridge are JSON lines over a local TCP socket
(bytes as hex). Events from the radio are delivered as the firmware's IRQ
handler calls whenever the board waits (``vclock`` calls ``wait``), as a
port delivers them between bytecodes: handlers run in the main thread.

The board file's ``ble.stack`` picks the stack this port is built with
(``vhw.ble_stack``), and with it what the API does (``STACKS``):

- ``nimble`` (ESP32; rp2 boards built with NimBLE): ``config`` knows the
  pairing keys (``bond``, ``le_secure``, ``mitm``, ``io``); encryption and
  secret IRQs arrive; ``gatts_notify`` raises ``OSError(ENOMEM)`` while
  ``MAX_IN_FLIGHT`` notifications are still queued in the stack.
- ``btstack`` (the Pico W family): those ``config`` keys raise
  ``ValueError("unknown config param")`` and no encryption or secret IRQ is
  ever raised (MicroPython's rp2 build leaves
  ``MICROPY_PY_BLUETOOTH_ENABLE_PAIRING_BONDING`` off for BTstack), and
  ``gatts_notify`` never raises ENOMEM: it copies the value into the heap and
  sends it later (``mp_bluetooth_gatts_notify_indicate`` in
  ``extmod/btstack/modbluetooth_btstack.c``); the copies are held here, on
  the board's heap, until sent.

Faults a real radio has, injectable (``vhw.ble_faults``):
``notify_enotconn``: the listed calls of ``gatts_notify`` (1-based) find the
host gone: the link drops and the call raises ``OSError(ENOTCONN)``.

A value's buffer holds 20 bytes unless ``gatts_set_buffer`` enlarges it, and
longer remote writes are truncated to it.
"""

import binascii
import json
import select
import socket

import vhw

FLAG_BROADCAST = 0x0001
FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020
FLAG_READ_ENCRYPTED = 0x0200
FLAG_READ_AUTHENTICATED = 0x0400
FLAG_WRITE_ENCRYPTED = 0x1000
FLAG_WRITE_AUTHENTICATED = 0x2000

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_GATTS_INDICATE_DONE = 20
_IRQ_MTU_EXCHANGED = 21
_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30

_ENOMEM = 12
_ENOTCONN = 107
MAX_IN_FLIGHT = 8
_RECV_BYTES = 2048
_DEFAULT_BUFFER = 20
_CONFIG_COMMON = ("mtu", "gap_name", "addr_mode", "rxbuf")
_CONFIG_PAIRING = ("bond", "le_secure", "mitm", "io")
# stack -> (config keys it knows, whether it raises pairing IRQs, whether notify queues)
STACKS = {
    "nimble": (_CONFIG_COMMON + _CONFIG_PAIRING, True, False),
    "btstack": (_CONFIG_COMMON, False, True),
}
_PAIRING_EVENTS = ("encryption", "get_secret", "set_secret")


class UUID:
    def __init__(self, value):
        if isinstance(value, int):
            self._text = "0x%04x" % value
        elif isinstance(value, str):
            text = value.lower()
            if len(text.replace("-", "")) != 32:
                raise ValueError("invalid UUID")
            self._text = text
        else:
            raise ValueError("invalid UUID")

    def __str__(self):
        return self._text

    def __eq__(self, other):
        return isinstance(other, UUID) and other._text == self._text

    def __hash__(self):
        return hash(self._text)


def _hex(data):
    return binascii.hexlify(bytes(data)).decode() if data is not None else None


def _unhex(text):
    return binascii.unhexlify(text) if text is not None else None


class _BLE:
    def __init__(self):
        self._sock = None
        self._rx = b""
        self._handler = None
        self._active = False
        self._next_id = 1
        self._replies = {}
        self._events = []
        self._values = {}  # value handle -> bytes
        self._buffer = {}  # value handle -> (size, append)
        self._in_flight = 0
        self._stack = vhw.ble_stack
        keys, self._pairing, self._queues = STACKS[self._stack]
        defaults = {"mtu": 23, "gap_name": "MPY", "bond": False, "le_secure": False,
                    "mitm": False, "io": 3, "addr_mode": 1, "rxbuf": 0}
        self._config = {k: v for k, v in defaults.items() if k in keys}
        self._queued = []  # BTstack: copies of values waiting to be sent (heap)
        self._notify_calls = 0
        faults = vhw.ble_faults or {}
        self._enotconn_at = tuple(faults.get("notify_enotconn", ()))

    # -- the link to the bridge ------------------------------------------------------

    def _connect(self):
        if vhw.ble_address is None:
            raise OSError(19)  # ENODEV: this board was started without a radio
        host, port = vhw.ble_address
        s = socket.socket()
        s.connect(socket.getaddrinfo(host, port)[0][-1])
        self._sock = s
        self._poller = select.poll()
        self._poller.register(s, select.POLLIN)
        import vclock

        vclock.clock.radio = self

    def _send(self, msg):
        data = (json.dumps(msg) + "\n").encode()
        view = memoryview(data)
        while view:
            n = self._sock.write(view)
            view = view[n:]

    def _request(self, msg):
        """Send ``msg`` and wait for the bridge's answer (other events are kept)."""
        ident = self._next_id
        self._next_id += 1
        msg["id"] = ident
        self._send(msg)
        while ident not in self._replies:
            self._read(-1)
        return self._replies.pop(ident)

    def _read(self, timeout_ms):
        """Read what the bridge sent, waiting up to ``timeout_ms`` (-1: until something)."""
        if not self._poller.poll(timeout_ms):
            return False
        # Small reads: this shim shares the board-sized heap with the firmware
        # (korset.vboard.HEAP_SIZE), where a 64 KB buffer per read found no room.
        chunk = self._sock.recv(_RECV_BYTES)
        if not chunk:
            raise OSError(_ENOTCONN)
        self._rx += chunk
        while b"\n" in self._rx:
            line, self._rx = self._rx.split(b"\n", 1)
            msg = json.loads(line)
            if "re" in msg:
                self._replies[msg["re"]] = msg
            elif msg["ev"] == "sent":
                self._in_flight -= 1
                if self._queued:
                    self._queued.pop(0)
            else:
                self._events.append(msg)
        return True

    def wait(self, us):
        """Called by the clock while the board waits: deliver radio events as IRQs."""
        timeout_ms = us // 1000
        if self._events:
            timeout_ms = 0
        self._read(timeout_ms)
        while self._read(0):
            pass
        while self._events:
            self._dispatch(self._events.pop(0))

    def _dispatch(self, msg):
        ev = msg["ev"]
        irq = self._handler
        if not self._pairing and ev in _PAIRING_EVENTS:
            irq = None  # this stack raises none of them: the bridge gets "no" answers
        if ev == "connect":
            self._in_flight = 0
            self._queued = []
            args = (_IRQ_CENTRAL_CONNECT, (msg["conn"], msg["addr_type"],
                                           memoryview(_unhex(msg["addr"]))))
        elif ev == "disconnect":
            self._in_flight = 0
            self._queued = []
            args = (_IRQ_CENTRAL_DISCONNECT, (msg["conn"], msg["addr_type"],
                                              memoryview(_unhex(msg["addr"]))))
        elif ev == "write":
            handle = msg["handle"]
            data = _unhex(msg["data"])
            size, append = self._buffer.get(handle, (_DEFAULT_BUFFER, False))
            if append:
                data = (self._values.get(handle, b"") + data)[:size]
            self._values[handle] = data[:size]
            args = (_IRQ_GATTS_WRITE, (msg["conn"], handle))
        elif ev == "mtu":
            args = (_IRQ_MTU_EXCHANGED, (msg["conn"], msg["mtu"]))
        elif ev == "encryption":
            if irq is None:
                return
            args = (_IRQ_ENCRYPTION_UPDATE, (msg["conn"], msg["encrypted"],
                                             msg["authenticated"], msg["bonded"],
                                             msg["key_size"]))
        elif ev == "indicate_done":
            args = (_IRQ_GATTS_INDICATE_DONE, (msg["conn"], msg["handle"], msg["status"]))
        elif ev == "get_secret":
            key = _unhex(msg["key"])
            value = None
            if irq is not None:
                value = irq(_IRQ_GET_SECRET, (msg["sec_type"], msg["index"],
                                              memoryview(key) if key is not None else None))
            self._send({"re": msg["id"], "value": _hex(value)})
            return
        elif ev == "set_secret":
            value = _unhex(msg["value"])
            ok = False
            if irq is not None:
                ok = irq(_IRQ_SET_SECRET, (msg["sec_type"], memoryview(_unhex(msg["key"])),
                                           memoryview(value) if value is not None else None))
            self._send({"re": msg["id"], "ok": bool(ok)})
            return
        else:
            return
        if irq is not None:
            irq(*args)

    # -- MicroPython's BLE API -------------------------------------------------------

    def active(self, state=None):
        if state is None:
            return self._active
        if state and not self._active:
            self._connect()
            self._request({"op": "active", "on": True, "stack": self._stack})
        elif not state and self._active:
            self._request({"op": "active", "on": False})
        self._active = bool(state)
        return self._active

    def config(self, *names, **values):
        if names:
            name = names[0]
            if name == "mac":
                reply = self._request({"op": "mac"})
                return reply["addr_type"], _unhex(reply["addr"])
            if name not in self._config:
                raise ValueError("unknown config param")
            return self._config[name]
        for name in values:
            if name not in self._config:
                raise ValueError("unknown config param")
        self._config.update(values)
        self._request({"op": "config", "values": values})

    def irq(self, handler):
        self._handler = handler

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        self._request({"op": "advertise", "interval_us": interval_us,
                       "adv": _hex(adv_data), "resp": _hex(resp_data),
                       "connectable": bool(connectable)})

    def gap_disconnect(self, conn_handle):
        return self._request({"op": "disconnect", "conn": conn_handle})["ok"]

    def gatts_register_services(self, services):
        spec = []
        for service in services:
            uuid, chars = service[0], service[1]
            entry = {"uuid": str(uuid), "chars": []}
            for char in chars:
                descs = [{"uuid": str(d[0]), "flags": d[1]} for d in
                         (char[2] if len(char) > 2 else ())]
                entry["chars"].append({"uuid": str(char[0]), "flags": char[1],
                                       "descs": descs})
            spec.append(entry)
        reply = self._request({"op": "register", "services": spec})
        self._values = {}
        self._buffer = {}
        return tuple(tuple(handles) for handles in reply["handles"])

    def gatts_read(self, value_handle):
        return self._values.get(value_handle, b"")

    def gatts_write(self, value_handle, data, send_update=False):
        data = bytes(data)
        self._values[value_handle] = data
        self._request({"op": "write", "handle": value_handle, "data": _hex(data),
                       "update": bool(send_update)})

    def gatts_set_buffer(self, value_handle, length, append=False):
        self._buffer[value_handle] = (length, append)
        self._request({"op": "buffer", "handle": value_handle, "len": length})

    def gatts_notify(self, conn_handle, value_handle, data=None):
        self._notify_calls += 1
        if self._notify_calls in self._enotconn_at:
            # The host went out of range: the stack finds the connection gone.
            self._send({"op": "disconnect", "conn": conn_handle})
            raise OSError(_ENOTCONN)
        if self._in_flight >= MAX_IN_FLIGHT and not self._queues:
            raise OSError(_ENOMEM)
        if data is None:
            data = self._values.get(value_handle, b"")
        if self._queues:
            self._queued.append(bytes(data))  # held on the heap until the stack sends it
        self._in_flight += 1
        self._send({"op": "notify", "conn": conn_handle, "handle": value_handle,
                    "data": _hex(data)})

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        if data is None:
            data = self._values.get(value_handle, b"")
        self._send({"op": "indicate", "conn": conn_handle, "handle": value_handle,
                    "data": _hex(data)})


_ble = None


def BLE():  # noqa: N802 (MicroPython's name)
    """The singleton BLE object, as on a port."""
    global _ble
    if _ble is None:
        _ble = _BLE()
    return _ble
