"""The Bumble bleak backend: bleak's public API against a virtual peripheral, no radio.

Each test builds a ``LocalLink`` with a Bumble peripheral on it (a GATT
service with a readable, a write-with-response echo, a notify, an
encrypted-only and a write-without-response characteristic) and drives it
through ``BleakScanner`` / ``BleakClient`` with the backend. Addresses are
fixed (except where choosing one is what is tested); every test runs under one
overall timeout, so a protocol hang fails instead of blocking the suite.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError, BleakGATTProtocolError, BleakGATTProtocolErrorCode
from bumble import data_types, hci
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device, DeviceConfiguration
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.host import Host
from bumble.link import LocalLink
from bumble.pairing import PairingDelegate
from bumble.transport.common import AsyncPipeSink

from korset.ble.bumble_backend import (
    PREFERRED_MTU,
    BumbleATTError,
    BumbleCentral,
    BumbleClient,
    backend_for,
)

TEST_TIMEOUT = 20.0  # seconds for a whole test; each takes well under one

# Written in upper case on purpose: bleak must hand them back normalised.
SERVICE_UUID = "3F1D0000-8E4C-4B8A-9C3E-6B0A5E1F0001"
READ_UUID = "3F1D0000-8E4C-4B8A-9C3E-6B0A5E1F0002"
ECHO_UUID = "3F1D0000-8E4C-4B8A-9C3E-6B0A5E1F0003"
NOTIFY_UUID = "3F1D0000-8E4C-4B8A-9C3E-6B0A5E1F0004"
SECRET_UUID = "3F1D0000-8E4C-4B8A-9C3E-6B0A5E1F0005"
COMMAND_UUID = "3F1D0000-8E4C-4B8A-9C3E-6B0A5E1F0006"

PERIPHERAL_NAME = "korset-vb"
PERIPHERAL_ADDRESS = "C1:22:33:44:55:66"
CENTRAL_ADDRESS = "F0:11:22:33:44:55"
NOBODY_ADDRESS = "D0:00:00:00:00:01"


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run one async scenario in a fresh loop, bounded in time."""

    async def bounded() -> None:
        await asyncio.wait_for(scenario(), TEST_TIMEOUT)

    asyncio.run(bounded())


def bumble_device(link: LocalLink, name: str, address: str) -> Device:
    """A Bumble device with its own controller on the link, random static identity."""
    controller = Controller(f"{name}-controller", link=link)
    config = DeviceConfiguration(
        name=name,
        address=hci.Address(address),
        irk=bytes(range(16)),
        identity_address_type=hci.Address.RANDOM_DEVICE_ADDRESS,
        io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT,
    )
    return Device(config=config, host=Host(controller, AsyncPipeSink(controller)))


class Peripheral:
    """The wearable's stand-in: one 128-bit service, advertised by name."""

    def __init__(self, link: LocalLink, name: str = PERIPHERAL_NAME) -> None:
        self.name = name
        self.device = bumble_device(link, name, PERIPHERAL_ADDRESS)
        self.commands: list[bytes] = []
        self.connections: list[Connection] = []
        self.device.on(self.device.EVENT_CONNECTION, self.connections.append)
        self.notify = Characteristic(
            NOTIFY_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        echo: Characteristic[bytes] = Characteristic(
            ECHO_UUID,
            Characteristic.Properties.WRITE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=self._echo),
        )
        command: Characteristic[bytes] = Characteristic(
            COMMAND_UUID,
            Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=lambda _connection, value: self.commands.append(value)),
        )
        self.device.add_service(
            Service(
                SERVICE_UUID,
                [
                    Characteristic(
                        READ_UUID, Characteristic.Properties.READ, Characteristic.READABLE, b"v1"
                    ),
                    echo,
                    self.notify,
                    Characteristic(
                        SECRET_UUID,
                        Characteristic.Properties.READ,
                        Characteristic.READ_REQUIRES_ENCRYPTION,
                        b"bond-only",
                    ),
                    command,
                ],
            )
        )

    async def _echo(self, _connection: Connection, value: bytes) -> None:
        # Sent before the write response, so it has arrived when the write returns.
        await self.device.notify_subscribers(self.notify, b"echo:" + value)

    async def start(self) -> None:
        await self.device.power_on()
        advertising = AdvertisingData(
            [
                data_types.CompleteLocalName(self.name),
                data_types.CompleteListOf128BitServiceUUIDs([UUID(SERVICE_UUID)]),
            ]
        )
        await self.device.start_advertising(
            advertising_data=bytes(advertising),
            auto_restart=True,  # so a dropped link can be made again
            advertising_interval_min=20,
            advertising_interval_max=20,
        )


async def setup(**central_options: Any) -> tuple[LocalLink, Peripheral, BumbleCentral]:
    link = LocalLink()
    peripheral = Peripheral(link)
    await peripheral.start()
    central = BumbleCentral(link, address=CENTRAL_ADDRESS, **central_options)
    await central.power_on()
    return link, peripheral, central


def test_find_device_by_name_and_advertisement_data() -> None:
    async def scenario() -> None:
        link, _peripheral, central = await setup()
        beacon = bumble_device(link, "beacon", "D1:00:00:00:00:02")
        await beacon.power_on()
        beacon_data = AdvertisingData(
            [
                data_types.CompleteLocalName("beacon"),
                data_types.CompleteListOf16BitServiceUUIDs([UUID.from_16_bits(0x180F)]),
                data_types.ManufacturerSpecificData(0x0059, b"\x01\x02"),
                data_types.TxPowerLevel(-8),
            ]
        )
        await beacon.start_advertising(
            advertising_data=bytes(beacon_data),
            advertising_interval_min=20,
            advertising_interval_max=20,
        )
        scanner_cls, _ = backend_for(central)

        found = await BleakScanner.find_device_by_name(
            PERIPHERAL_NAME, timeout=5, backend=scanner_cls
        )
        assert found is not None
        assert found.address == PERIPHERAL_ADDRESS
        assert found.name == PERIPHERAL_NAME
        assert found.details == hci.Address(PERIPHERAL_ADDRESS)

        seen = await BleakScanner.discover(timeout=0.3, return_adv=True, backend=scanner_cls)
        assert set(seen) == {PERIPHERAL_ADDRESS, "D1:00:00:00:00:02"}
        _, korset_adv = seen[PERIPHERAL_ADDRESS]
        assert korset_adv.local_name == PERIPHERAL_NAME
        assert korset_adv.service_uuids == [SERVICE_UUID.lower()]
        assert isinstance(korset_adv.rssi, int)
        _, beacon_adv = seen["D1:00:00:00:00:02"]
        assert beacon_adv.service_uuids == ["0000180f-0000-1000-8000-00805f9b34fb"]
        assert beacon_adv.manufacturer_data == {0x0059: b"\x01\x02"}
        assert beacon_adv.tx_power == -8  # signed, though Bumble decodes it unsigned

        only_korset = await BleakScanner.discover(
            timeout=0.3, service_uuids=[SERVICE_UUID], backend=scanner_cls
        )
        assert [d.address for d in only_korset] == [PERIPHERAL_ADDRESS]
        assert not central.device.is_scanning  # every scanner released the radio

    run(scenario)


def test_gatt_round_trip() -> None:
    async def scenario() -> None:
        _link, peripheral, central = await setup()
        scanner_cls, client_cls = backend_for(central)
        found = await BleakScanner.find_device_by_name(
            PERIPHERAL_NAME, timeout=5, backend=scanner_cls
        )
        assert found is not None
        notifications: list[bytearray] = []

        async with BleakClient(found, backend=client_cls) as client:
            assert client.is_connected
            assert client.mtu_size == PREFERRED_MTU == 247
            assert client.name == PERIPHERAL_NAME  # GAP Device Name

            service = client.services.get_service(SERVICE_UUID)
            assert service is not None and service.uuid == SERVICE_UUID.lower()
            by_uuid = {c.uuid: c for c in service.characteristics}
            assert set(by_uuid) == {
                u.lower() for u in (READ_UUID, ECHO_UUID, NOTIFY_UUID, SECRET_UUID, COMMAND_UUID)
            }
            assert by_uuid[ECHO_UUID.lower()].properties == ["write"]
            assert by_uuid[COMMAND_UUID.lower()].properties == ["write-without-response"]
            assert by_uuid[COMMAND_UUID.lower()].max_write_without_response_size == 244
            notify_char = by_uuid[NOTIFY_UUID.lower()]
            assert [d.uuid for d in notify_char.descriptors] == [
                "00002902-0000-1000-8000-00805f9b34fb"
            ]
            # Handles follow BlueZ: the declaration, one below the value handle.
            assert notify_char.handle == notify_char.obj.handle - 1
            assert client.services.get_characteristic(notify_char.handle) is notify_char

            assert await client.read_gatt_char(READ_UUID) == b"v1"
            assert await client.read_gatt_char(READ_UUID, use_cached=True) == b"v1"

            await client.start_notify(NOTIFY_UUID, lambda _c, data: notifications.append(data))
            cccd = notify_char.descriptors[0]
            assert await client.read_gatt_descriptor(cccd.handle) == b"\x01\x00"
            await client.write_gatt_char(ECHO_UUID, b"ping", response=True)
            assert notifications == [bytearray(b"echo:ping")]

            await client.write_gatt_char(COMMAND_UUID, b"go", response=False)
            await client.read_gatt_char(READ_UUID)  # a round trip: the command has arrived
            assert peripheral.commands == [b"go"]

            await client.stop_notify(NOTIFY_UUID)
            assert await client.read_gatt_descriptor(cccd.handle) == b"\x00\x00"
            await client.write_gatt_char(ECHO_UUID, b"quiet", response=True)
            assert notifications == [bytearray(b"echo:ping")]

            with pytest.raises(BleakError, match="no CCCD"):
                await client.start_notify(READ_UUID, lambda _c, _d: None)
            with pytest.raises(BleakError, match="were not started"):
                await client.stop_notify(NOTIFY_UUID)
            await client.start_notify(NOTIFY_UUID, lambda _c, data: notifications.append(data))
            with pytest.raises(BleakError, match="already started"):
                await client.start_notify(NOTIFY_UUID, lambda _c, _d: None)
            await client.write_gatt_char(ECHO_UUID, b"again", response=True)
            assert notifications == [bytearray(b"echo:ping"), bytearray(b"echo:again")]

        assert not client.is_connected
        assert not peripheral.device.connections

    run(scenario)


def test_pair_bond_reconnect_unpair() -> None:
    async def scenario() -> None:
        _link, _peripheral, central = await setup()
        _, client_cls = backend_for(central)

        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            with pytest.raises(BleakGATTProtocolError) as refused:
                await client.read_gatt_char(SECRET_UUID)
            assert isinstance(refused.value, BumbleATTError)
            assert refused.value.code is BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION
            assert "INSUFFICIENT_ENCRYPTION" in str(refused.value)
            assert "insufficient encryption" in str(refused.value)

            await client.pair()
            assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"
        keys = await central.bond(PERIPHERAL_ADDRESS)
        assert keys is not None and keys.ltk is not None

        # A new client, a new link: the stored bond encrypts it before any request.
        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"
            await client.unpair()
            assert not client.is_connected
        assert await central.bond(PERIPHERAL_ADDRESS) is None

        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            with pytest.raises(BleakGATTProtocolError, match="INSUFFICIENT_ENCRYPTION"):
                await client.read_gatt_char(SECRET_UUID)

        # pair=True on the constructor pairs during connect.
        async with BleakClient(PERIPHERAL_ADDRESS, pair=True, backend=client_cls) as client:
            assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"

    run(scenario)


def test_bond_survives_in_json_key_store(tmp_path: Path) -> None:
    """A later central (process) on the same key store file is the same central, still bonded."""
    store = tmp_path / "bonds.json"
    addresses: list[hci.Address] = []

    async def scenario() -> None:
        link = LocalLink()
        await Peripheral(link).start()
        for pair_first in (True, False):
            central = BumbleCentral(link, keystore=store)  # no address: the store decides
            addresses.append(central.address)
            await central.power_on()
            _, client_cls = backend_for(central)
            async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
                if pair_first:
                    await client.pair()
                assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"
            await central.power_off()
            link.remove_controller(central.controller)  # this "process" is gone

    run(scenario)
    first, second = addresses
    assert second == first and first.is_static
    on_disk = json.loads(store.read_text())
    assert list(on_disk) == [str(first)]
    assert list(on_disk[str(first)]) == [PERIPHERAL_ADDRESS]


def test_peer_dropping_the_link_calls_disconnected_callback() -> None:
    async def scenario() -> None:
        _link, peripheral, central = await setup()
        _, client_cls = backend_for(central)
        dropped: asyncio.Future[BleakClient] = asyncio.get_running_loop().create_future()

        client = BleakClient(
            PERIPHERAL_ADDRESS, disconnected_callback=dropped.set_result, backend=client_cls
        )
        await client.connect()
        assert client.is_connected
        await peripheral.connections[-1].disconnect()

        assert await asyncio.wait_for(dropped, 2) is client
        assert not client.is_connected
        # As on every OS backend, the services go with the link; bleak then says so.
        with pytest.raises(BleakError, match="Service Discovery has not been performed"):
            await client.read_gatt_char(READ_UUID)
        with pytest.raises(BleakError, match="Not connected"):
            await client.start_notify(NOTIFY_UUID, lambda _c, _d: None)
        await client.disconnect()  # harmless once the link is gone
        assert dropped.result() is client  # called once, not again by disconnect()

    run(scenario)


def test_our_own_disconnect_calls_the_callback_too() -> None:
    """As BlueZ and CoreBluetooth do (bleak's base class says otherwise)."""

    async def scenario() -> None:
        _link, _peripheral, central = await setup()
        _, client_cls = backend_for(central)
        calls: list[BleakClient] = []
        client = BleakClient(
            PERIPHERAL_ADDRESS, disconnected_callback=calls.append, backend=client_cls
        )
        await client.connect()
        await client.disconnect()
        assert calls == [client]

    run(scenario)


def test_peer_that_lost_the_bond() -> None:
    """Connect says so clearly; unpair() then pair, or pair=True, bonds anew."""

    async def scenario() -> None:
        _link, peripheral, central = await setup()
        _, client_cls = backend_for(central)
        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            await client.pair()
        assert peripheral.device.keystore is not None
        await peripheral.device.keystore.delete_all()  # the wearable was reset

        client = BleakClient(PERIPHERAL_ADDRESS, backend=client_cls)
        with pytest.raises(BleakError, match="refused the stored bond .PIN_OR_KEY_MISSING"):
            await client.connect()
        assert not client.is_connected
        assert not peripheral.device.connections

        await client.unpair()  # not connected: just forgets the bond
        assert await central.bond(PERIPHERAL_ADDRESS) is None
        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            await client.pair()
            assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"

        await peripheral.device.keystore.delete_all()  # reset again
        async with BleakClient(PERIPHERAL_ADDRESS, pair=True, backend=client_cls) as client:
            assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"
        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            assert await client.read_gatt_char(SECRET_UUID) == b"bond-only"

    run(scenario)


def test_connect_timeout_leaves_the_radio_usable() -> None:
    async def scenario() -> None:
        _link, _peripheral, central = await setup()
        _, client_cls = backend_for(central)
        loop = asyncio.get_running_loop()

        started = loop.time()
        with pytest.raises(TimeoutError):
            await BleakClient(NOBODY_ADDRESS, timeout=0.2, backend=client_cls).connect()
        assert loop.time() - started < 2

        async with BleakClient(PERIPHERAL_ADDRESS, backend=client_cls) as client:
            assert await client.read_gatt_char(READ_UUID) == b"v1"

    run(scenario)


def test_addresses_are_checked() -> None:
    async def scenario() -> None:
        link = LocalLink()
        with pytest.raises(ValueError, match="random static"):
            BumbleCentral(link, address="00:11:22:33:44:55")
        central = BumbleCentral(link)  # generated address
        assert central.address.is_static
        _, client_cls = backend_for(central)
        with pytest.raises(BleakError, match="not a Bluetooth address"):
            BleakClient("korset", backend=client_cls)
        with pytest.raises(BleakError, match="backend_for"):
            BleakClient(PERIPHERAL_ADDRESS, backend=BumbleClient)

    run(scenario)
