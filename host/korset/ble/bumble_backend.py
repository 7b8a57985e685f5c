"""A bleak backend running on Bumble's BLE host stack, so host code can be tested without a radio.

The host talks to the wearable through bleak's ordinary API (``BleakScanner``,
``BleakClient``). Here those calls go through Bumble's real host (HCI, L2CAP,
ATT/GATT, SMP) to an emulated controller on a ``bumble.link.LocalLink``; the
peripheral on the other side is any Bumble ``Device`` on the same link. The
same application code therefore runs, unchanged, against real hardware and
against a virtual one, pairing and bonding included::

    link = LocalLink()
    central = BumbleCentral(link)
    await central.power_on()
    Scanner, Client = backend_for(central)
    device = await BleakScanner.find_device_by_name("korset", backend=Scanner)
    async with BleakClient(device, backend=Client) as client:
        ...

Everything must run in one asyncio event loop: the emulated controllers
deliver packets with ``loop.call_soon``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import uuid as uuid_module
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, cast

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES, CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import PROTOCOL_ERROR_CODES, BleakError, BleakGATTProtocolError
from bumble import att, core, hci
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, DeviceConfiguration
from bumble.gatt_client import CharacteristicProxy, ServiceProxy
from bumble.host import Host
from bumble.keys import JsonKeyStore, KeyStore, MemoryKeyStore, PairingKeys
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport.common import AsyncPipeSink, Transport

__all__ = [
    "PREFERRED_MTU",
    "BumbleATTError",
    "BumbleCentral",
    "BumbleClient",
    "BumbleScanner",
    "backend_for",
]

logger = logging.getLogger(__name__)

PREFERRED_MTU = 247
"""ATT MTU asked for on every connection: what a 251-byte LE data PDU carries."""

_GAP_DEVICE_NAME = "00002a00-0000-1000-8000-00805f9b34fb"
_CCCD = "00002902-0000-1000-8000-00805f9b34fb"

_SERVICE_UUID_LISTS = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)
_SERVICE_DATA = (
    AdvertisingData.SERVICE_DATA_16_BIT_UUID,
    AdvertisingData.SERVICE_DATA_32_BIT_UUID,
    AdvertisingData.SERVICE_DATA_128_BIT_UUID,
)


# --------------------------------------------------------------------------- the radio


class BumbleCentral:
    """One Bumble ``Device`` acting as the host's Bluetooth adapter on a ``LocalLink``.

    It owns its own emulated controller, as a real adapter would, and a key
    store for bonds. The identity address is a random static one and pairing
    distributes it as the identity: the emulated controller routes packets by
    the address in use, so a bond stored under a public identity would never
    match the random address the next connection is made from.

    ``address`` defaults to the one a JSON key store already holds bonds for
    (so a later process is the same central to its peers), else a new one.
    ``keystore`` is a Bumble ``KeyStore``, or a path for a ``JsonKeyStore``.

    Must be constructed inside a running event loop (the controller needs it).
    """

    def __init__(
        self,
        link: LocalLink | None,
        name: str = "korset-host",
        address: str | hci.Address | None = None,
        keystore: KeyStore | str | os.PathLike[str] | None = None,
        transport: Transport | None = None,
    ) -> None:
        if address is None and isinstance(keystore, (str, os.PathLike)):
            address = _stored_identity(keystore)
        self.address = _static_address(address)
        config = DeviceConfiguration(
            name=name,
            address=self.address,
            # Bumble's default IRK is sixteen zero bytes, which every peer would be given.
            irk=secrets.token_bytes(16),
            identity_address_type=hci.Address.RANDOM_DEVICE_ADDRESS,
            io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT,
        )
        if transport is not None:
            # A controller elsewhere (``korset.vble.served``), spoken to over HCI.
            self.controller = None
            host = Host(transport.source, transport.sink)
        else:
            self.controller = Controller(f"{name}-controller", link=link)
            host = Host(self.controller, AsyncPipeSink(self.controller))
        self.transport = transport
        self.device = Device(config=config, host=host)
        # Set before power_on, which only creates a (memory) store when none is set.
        self.device.keystore = _key_store(keystore, self.address)
        self.device.pairing_config_factory = self._pairing_config
        self._connect_lock = asyncio.Lock()
        self._scan_users = 0

    @property
    def keystore(self) -> KeyStore:
        """Where bonds live: in memory by default, or a JSON file that outlives the process."""
        assert self.device.keystore is not None
        return self.device.keystore

    async def power_on(self) -> None:
        """Reset the controller and bring the host up; needed once before any scan or connect."""
        if not self.device.powered_on:
            await self.device.power_on()

    async def power_off(self) -> None:
        """Flush the host; the controller stays on the link (a later power_on resets it).
        Over HCI the socket is closed too: the adapter is unplugged."""
        await self.device.power_off()
        if self.transport is not None:
            await self.transport.close()

    def _pairing_config(self, _connection: Connection) -> PairingConfig:
        """LE Secure Connections, bonding, Just Works: the wearable has neither screen nor keys."""
        return PairingConfig(
            sc=True,
            mitm=False,
            bonding=True,
            delegate=PairingDelegate(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT),
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

    async def start_scanning(self, active: bool) -> None:
        """Scan while at least one scanner wants it (they share the one radio)."""
        self._scan_users += 1
        if self._scan_users == 1:
            await self.device.start_scanning(active=active)

    async def stop_scanning(self) -> None:
        """Release one scanner's use of the radio; scanning stops with the last."""
        self._scan_users = max(0, self._scan_users - 1)
        if self._scan_users == 0 and self.device.is_scanning:
            await self.device.stop_scanning()

    async def connect(self, address: hci.Address, timeout: float) -> Connection:
        """Connect as central; one attempt at a time, as the controller allows only one."""
        async with self._connect_lock:
            try:
                return await asyncio.wait_for(
                    self.device.connect(address, own_address_type=hci.OwnAddressType.RANDOM),
                    timeout,
                )
            except TimeoutError:
                await self._cancel_connection()
                raise

    async def _cancel_connection(self) -> None:
        """Abandon a connection attempt that timed out.

        Bumble's own timeout path waits for a "connection complete" the
        emulated controller never sends after a cancel, and the emulated
        controller keeps the attempt pending (it would connect whenever the
        peer next advertises, and refuse every other attempt meanwhile). So
        the cancel is sent for a real controller's sake and the emulated
        one's pending attempt is dropped by hand.
        """
        with contextlib.suppress(hci.HCI_Error, core.BaseBumbleError):
            await self.device.send_sync_command(hci.HCI_LE_Create_Connection_Cancel_Command())
        if self.controller is not None:  # over HCI, the adapter is dropped with its socket
            self.controller.pending_le_connection = None

    async def bond(self, peer: hci.Address | str) -> PairingKeys | None:
        """The stored keys for a peer (by identity address), or None when not bonded."""
        return await self.keystore.get(str(peer))

    async def forget(self, peer: hci.Address | str) -> bool:
        """Delete a peer's bond; True if there was one."""
        name = str(peer)
        if await self.keystore.get(name) is None:
            return False
        await self.keystore.delete(name)
        await self.device.refresh_resolving_list()
        return True


def _static_address(address: str | hci.Address | None) -> hci.Address:
    """A random static address (two top bits set), generated when none is given."""
    if address is None:
        return hci.Address.generate_static_address()
    if isinstance(address, str):
        address = hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS)
    if not address.is_static:
        raise ValueError(f"{address} is not a random static address (top two bits must be 1)")
    return address


def _stored_identity(path: str | os.PathLike[str]) -> hci.Address | None:
    """The central address a JSON key store already holds bonds for, if any.

    The store is keyed by the central's address, and peers know us by it: a
    later process (``korset pair`` then ``korset sync``) must come back as the
    same central or every bond is lost. First valid namespace, in sorted order.
    """
    try:
        with open(path, encoding="utf-8") as file:
            namespaces = json.load(file)
    except (OSError, ValueError):
        return None
    for namespace in sorted(namespaces) if isinstance(namespaces, dict) else ():
        with contextlib.suppress(ValueError):
            candidate = hci.Address(namespace, hci.Address.RANDOM_DEVICE_ADDRESS)
            if candidate.is_static:
                return candidate
    return None


def _key_store(
    keystore: KeyStore | str | os.PathLike[str] | None, address: hci.Address
) -> KeyStore:
    """In memory by default; a path means a JSON store, one namespace per central address."""
    if keystore is None:
        return MemoryKeyStore()
    if isinstance(keystore, (str, os.PathLike)):
        return JsonKeyStore(namespace=str(address), filename=os.fspath(keystore))
    return keystore


def backend_for(central: BumbleCentral) -> tuple[type[BumbleScanner], type[BumbleClient]]:
    """Scanner and client backend classes bound to ``central``, for bleak's ``backend=``.

    bleak instantiates backends itself, so the central travels as a class
    attribute of a subclass made for it.
    """
    attrs = {"central": central, "__module__": __name__}
    scanner = type("BleakScannerBumble", (BumbleScanner,), attrs)
    client = type("BleakClientBumble", (BumbleClient,), attrs)
    return scanner, client


def _require_bound(cls: type) -> None:
    """Fail early, and say why, when a backend class is used without a central."""
    if getattr(cls, "central", None) is None:
        raise BleakError(
            f"{cls.__name__} has no radio: use the classes backend_for(central) returns"
        )


# --------------------------------------------------------------------------- conversions


def _uuid_str(uuid: core.UUID) -> str:
    """Bleak's form of a UUID: 128-bit, lowercase, dashed, whatever size it had on air."""
    return str(uuid_module.UUID(bytes=uuid.to_bytes(force_128=True)[::-1]))


def _properties(flags: int) -> list[CharacteristicPropertyName]:
    """Characteristic property bits as bleak's names, in bit order."""
    return [name for bit, name in CHARACTERISTIC_PROPERTIES.items() if flags & bit]


def _advertisement_data(advertisement: Advertisement) -> AdvertisementData:
    """Bleak's view of one report (Bumble merges a scan response into its advertisement).

    Repeated structures are folded: the emulated controller answers every
    scan with a copy of the advertising data, so a merged report holds each twice.
    """
    data = advertisement.data
    local_name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
        AdvertisingData.SHORTENED_LOCAL_NAME
    )
    service_uuids = [
        _uuid_str(uuid)
        for ad_type in _SERVICE_UUID_LISTS
        for uuids in cast("list[list[core.UUID]]", data.get_all(ad_type))
        for uuid in uuids
    ]
    service_data = {
        _uuid_str(uuid): bytes(value)
        for ad_type in _SERVICE_DATA
        for uuid, value in cast("list[tuple[core.UUID, bytes]]", data.get_all(ad_type))
    }
    manufacturer_data = {
        company: bytes(value)
        for company, value in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)
    }
    # Bumble decodes TX Power Level as unsigned; it is a signed dBm value.
    tx_raw = data.get(AdvertisingData.TX_POWER_LEVEL, raw=True)
    return AdvertisementData(
        local_name=local_name,
        manufacturer_data=manufacturer_data,
        service_data=service_data,
        service_uuids=list(dict.fromkeys(service_uuids)),
        tx_power=int.from_bytes(tx_raw[:1], "little", signed=True) if tx_raw else None,
        rssi=advertisement.rssi,
        platform_data=(advertisement,),
    )


def _parse_address(target: BLEDevice | str) -> hci.Address:
    """The Bumble address to connect to: from a scan result, or a string (random unless /P)."""
    if isinstance(target, BLEDevice) and isinstance(target.details, hci.Address):
        return target.details
    text = target.address if isinstance(target, BLEDevice) else target
    try:
        return hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)
    except (core.InvalidArgumentError, ValueError) as error:
        raise BleakError(f"not a Bluetooth address: {text!r}") from error


# --------------------------------------------------------------------------- errors


class BumbleATTError(BleakGATTProtocolError):
    """An ATT error response, as bleak's protocol error plus the ATT name and handle.

    ``code`` and ``args`` are bleak's, so code catching ``BleakGATTProtocolError``
    works unchanged; the message says what failed in the spec's own terms.
    """

    def __init__(self, error_code: int, operation: str, handle: int | None) -> None:
        super().__init__(int(error_code))
        self.operation = operation
        self.handle = handle
        self.att_name = att.ErrorCode(error_code).name

    def __str__(self) -> str:
        where = f" on handle 0x{self.handle:04X}" if self.handle is not None else ""
        description = PROTOCOL_ERROR_CODES.get(int(self.code), "Unknown code")
        return (
            f"{self.operation} failed{where}: ATT error {self.att_name} "
            f"(0x{int(self.code):02X}, {description.lower()})"
        )


@contextlib.contextmanager
def _bleak_errors(operation: str, handle: int | None = None) -> Iterator[None]:
    """Raise Bumble's failures as bleak's exceptions.

    Bumble aborts an operation when the link drops by cancelling it, so a
    CancelledError that is not our own task being cancelled means "disconnected".
    """
    try:
        yield
    except att.ATT_Error as error:
        raise BumbleATTError(error.error_code, operation, handle) from error
    except asyncio.CancelledError as error:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        raise BleakError(f"{operation} failed: disconnected") from error
    except core.BaseBumbleError as error:
        raise BleakError(f"{operation} failed: {error}") from error


# --------------------------------------------------------------------------- scanner


class BumbleScanner(BaseBleakScanner):
    """Bleak scanner backend: Bumble advertisement reports as bleak detections."""

    central: ClassVar[BumbleCentral]

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        _require_bound(type(self))
        self._active = scanning_mode != "passive"
        self._scanning = False

    async def start(self) -> None:
        """Clear what was seen (bleak's contract) and listen to the shared radio."""
        self.seen_devices = {}
        device = self.central.device
        device.on(device.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._scanning = True
        try:
            await self.central.start_scanning(self._active)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop listening; the radio stops when no other scanner needs it."""
        if not self._scanning:
            return
        self._scanning = False
        device = self.central.device
        device.remove_listener(device.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self.central.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        adv = _advertisement_data(advertisement)
        if not self.is_allowed_uuid(adv.service_uuids):
            return
        address = advertisement.address
        key = str(address)  # keeps "/P" so public and random twins stay apart
        previous = self.seen_devices.get(key)
        # Keep a name seen earlier, as the OS stacks do, when this report lacks one.
        name = adv.local_name or (previous[0].name if previous else None)
        device = self.create_or_update_device(
            key, address.to_string(with_type_qualifier=False), name, address, adv
        )
        self.call_detection_callbacks(device, adv)


# --------------------------------------------------------------------------- client


class BumbleClient(BaseBleakClient):
    """Bleak client backend: one Bumble LE connection and its GATT client."""

    central: ClassVar[BumbleCentral]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        services: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, **kwargs)
        _require_bound(type(self))
        self._peer = _parse_address(address_or_ble_device)
        self._advertised_name = (
            address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        )
        self._gap_name: str | None = None
        self._service_filter = services
        self._connection: Connection | None = None
        self._established = False
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    # ---- connection

    @property
    def name(self) -> str:
        """The GAP device name read at connect, else the advertised name, else the address."""
        return self._gap_name or self._advertised_name or self.address

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    @property
    def mtu_size(self) -> int:
        """The ATT MTU of the live connection (23 before the exchange, or when not connected)."""
        return self._connection.att_mtu if self._connection else att.ATT_DEFAULT_MTU

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect, encrypt with a stored bond, exchange the MTU, discover; pair if asked.

        A bonded link is encrypted before anything else, as a phone or BlueZ
        does, so encrypted characteristics read without pairing again. A peer
        that lost the bond fails the connect with a BleakError naming "the
        stored bond", unless ``pair`` asks to bond anew anyway.
        """
        if self._connection is not None:
            return
        timeout = kwargs.get("timeout", self._timeout)
        with _bleak_errors(f"connecting to {self._peer}"):
            try:
                connection = await self.central.connect(self._peer, timeout)
            except TimeoutError as error:
                raise TimeoutError(f"no connection to {self._peer} within {timeout} s") from error
        self._connection = connection
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            await self._set_up(connection, repair=pair)
            if pair:
                await self.pair()
        except BaseException:
            await self.disconnect()
            raise
        self._established = True

    async def _set_up(self, connection: Connection, repair: bool) -> None:
        keys = await self.central.bond(connection.peer_address)
        if keys is not None and (keys.ltk or keys.ltk_central):
            with _bleak_errors("encrypting with the stored bond"):
                try:
                    await connection.encrypt()
                except hci.HCI_Error as error:
                    # Typically PIN_OR_KEY_MISSING: the peer forgot us (reset, reflashed).
                    if not repair:
                        raise BleakError(
                            f"{connection.peer_address} refused the stored bond"
                            f" ({error.error_name}): unpair() and pair again,"
                            " or connect with pair=True"
                        ) from error
                    logger.warning("%s refused the stored bond; pairing anew", self._peer)
        with _bleak_errors("MTU exchange"):
            await connection.gatt_client.request_mtu(PREFERRED_MTU)
        self.services = await self._discover(connection)
        self._gap_name = await self._read_gap_name()

    async def _discover(self, connection: Connection) -> BleakGATTServiceCollection:
        """Every service, characteristic and descriptor, in bleak's collection.

        Characteristic handles follow BlueZ (the declaration handle, one below
        the value handle); the Bumble proxy in ``obj`` holds the value handle.
        """
        gatt = connection.gatt_client
        wanted = [core.UUID(u) for u in self._service_filter or ()]
        collection = BleakGATTServiceCollection()
        with _bleak_errors("service discovery"):
            for service in await gatt.discover_services(wanted):
                await self._add_service(collection, service)
        return collection

    async def _add_service(
        self, collection: BleakGATTServiceCollection, service: ServiceProxy
    ) -> None:
        bleak_service = BleakGATTService(service, service.handle, _uuid_str(service.uuid))
        collection.add_service(bleak_service)
        for characteristic in await service.discover_characteristics():
            bleak_char = BleakGATTCharacteristic(
                characteristic,
                characteristic.handle - 1,
                _uuid_str(characteristic.uuid),
                _properties(characteristic.properties),
                lambda: self.mtu_size - 3,
                bleak_service,
            )
            collection.add_characteristic(bleak_char)
            for descriptor in await characteristic.discover_descriptors():
                collection.add_descriptor(
                    BleakGATTDescriptor(
                        descriptor, descriptor.handle, _uuid_str(descriptor.type), bleak_char
                    )
                )

    async def _read_gap_name(self) -> str | None:
        """The peer's Device Name characteristic, when it has a readable one."""
        assert self.services is not None
        characteristic = self.services.get_characteristic(_GAP_DEVICE_NAME)
        if characteristic is None or "read" not in characteristic.properties:
            return None
        try:
            value = await self.read_gatt_char(characteristic)
        except BleakError:
            return None
        return value.decode("utf-8", errors="replace") or None

    def _on_disconnection(self, reason: int) -> None:
        """Forget the link; tell bleak's callback, whoever dropped it (as BlueZ does)."""
        logger.debug("disconnected from %s: %s", self._peer, hci.HCI_Constant.error_name(reason))
        established, self._established = self._established, False
        self._connection = None
        self.services = None
        self._subscribers.clear()
        if established and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        """Drop the link and wait until the controller says it is gone."""
        connection = self._connection
        if connection is None:
            return
        with _bleak_errors("disconnecting"), contextlib.suppress(hci.HCI_StatusError):
            await connection.disconnect()

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError(f"not connected to {self.address}")
        return self._connection

    # ---- security

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pair (LE Secure Connections, Just Works) and bond; the link ends up encrypted.

        Nothing to do when the link is already encrypted with a stored bond.
        """
        connection = self._require_connection()
        if connection.is_encrypted and await self.central.bond(connection.peer_address):
            return
        with _bleak_errors(f"pairing with {connection.peer_address}"):
            await connection.pair()

    async def unpair(self) -> None:
        """Disconnect (bleak's contract) and delete the bond from the key store."""
        peer = self._connection.peer_address if self._connection else self._peer
        await self.disconnect()
        await self.central.forget(peer)

    # ---- GATT I/O

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        proxy: CharacteristicProxy = characteristic.obj
        return await self._read(proxy.handle, use_cached, f"reading {characteristic.uuid}")

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(descriptor.handle, use_cached, f"reading {descriptor.uuid}")

    async def _read(self, handle: int, use_cached: bool, operation: str) -> bytearray:
        gatt = self._require_connection().gatt_client
        if use_cached and handle in gatt.cached_values:
            return bytearray(gatt.cached_values[handle][1])
        with _bleak_errors(operation, handle):
            return bytearray(await gatt.read_value(handle))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        proxy: CharacteristicProxy = characteristic.obj
        await self._write(proxy.handle, data, response, f"writing {characteristic.uuid}")

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        await self._write(descriptor.handle, data, True, f"writing {descriptor.uuid}")

    async def _write(self, handle: int, data: SizedBuffer, response: bool, operation: str) -> None:
        gatt = self._require_connection().gatt_client
        with _bleak_errors(operation, handle):
            await gatt.write_value(handle, bytes(data), with_response=response)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Write the CCCD (notifications preferred over indications, as bleak asks)."""
        proxy: CharacteristicProxy = characteristic.obj
        gatt = self._require_connection().gatt_client
        if characteristic.get_descriptor(_CCCD) is None:
            raise BleakError(f"{characteristic.uuid} has no CCCD: it cannot notify")
        if proxy.handle in self._subscribers:
            raise BleakError(f"notifications from {characteristic.uuid} already started")

        def deliver(value: bytes) -> None:
            # Runs inside Bumble's PDU handling: an application bug must not break the stack.
            try:
                callback(bytearray(value))
            except Exception:
                logger.exception("notification callback for %s failed", characteristic.uuid)

        self._subscribers[proxy.handle] = deliver
        try:
            with _bleak_errors(f"subscribing to {characteristic.uuid}", proxy.handle):
                await proxy.subscribe(deliver, prefer_notify=True)
        except BleakError:
            # Bumble registers the subscriber before writing the CCCD; undo that.
            self._subscribers.pop(proxy.handle, None)
            proxy.subscribers.pop(deliver, None)
            for table in (gatt.notification_subscribers, gatt.indication_subscribers):
                table.pop(proxy.handle, None)
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Drop the callback and clear the CCCD."""
        proxy: CharacteristicProxy = characteristic.obj
        self._require_connection()
        deliver = self._subscribers.pop(proxy.handle, None)
        if deliver is None:
            raise BleakError(f"notifications from {characteristic.uuid} were not started")
        with _bleak_errors(f"unsubscribing from {characteristic.uuid}", proxy.handle):
            await proxy.unsubscribe(deliver)
