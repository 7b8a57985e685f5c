"""Bonds on the board's flash: the BLE stack's secrets (``_IRQ_GET/SET_SECRET``).

MicroPython leaves keeping bond keys to the application: the stack hands
over opaque (type, key, value) secrets to store and asks for them again, by
key or by index. They are kept as one JSON object through
``korsetfw.atomicfile``, so a power cut keeps either the old bonds or the new
ones on LittleFS and on FAT alike (a rename over the old file is not atomic
on FAT, and a lost bonds file would reopen the first-boot pairing window). A
corrupt or truncated file counts as no bonds.
"""

import binascii
import json

from korsetfw import atomicfile


def _secrets(data):
    """The secrets in a stored file's bytes; ValueError when they are not a JSON object."""
    secrets = json.loads(data)
    if not isinstance(secrets, dict):
        raise ValueError("not a JSON object")
    return secrets


def _hex(data):
    return binascii.hexlify(bytes(data)).decode()


class BondStore:
    def __init__(self, path="/bonds.json"):
        self.path = path
        self._secrets = atomicfile.read(path, _secrets) or {}  # "type:keyhex" -> valuehex

    def __len__(self):
        return len(self._secrets)

    def get(self, sec_type, index, key):
        """The value for ``key`` of ``sec_type``; with ``key`` None, the ``index``th one."""
        if key is not None:
            value = self._secrets.get("%d:%s" % (sec_type, _hex(key)))
            return binascii.unhexlify(value) if value is not None else None
        prefix = "%d:" % sec_type
        found = sorted(k for k in self._secrets if k.startswith(prefix))
        if index is None or index >= len(found):
            return None
        return binascii.unhexlify(self._secrets[found[index]])

    def has(self, sec_type, key):
        return "%d:%s" % (sec_type, _hex(key)) in self._secrets

    def set(self, sec_type, key, value):
        name = "%d:%s" % (sec_type, _hex(key))
        if value is None:
            self._secrets.pop(name, None)
        else:
            self._secrets[name] = _hex(value)
        self._save()
        return True

    def clear(self):
        self._secrets = {}
        self._save()

    def _save(self):
        atomicfile.write(self.path, json.dumps(self._secrets).encode())
