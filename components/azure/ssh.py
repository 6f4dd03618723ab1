"""An SSH public key nobody holds the private half of, for Linux VMs that must not be logged
into with SSH.

Azure refuses a Linux VM (or scale set) without an admin credential: a password or an SSH
public key. We want neither, so the scale sets get this key. It is a point on Ed25519 found by
hashing a fixed label ("nothing up my sleeve"): its discrete logarithm, the private key, is
unknown to anyone, us included, and finding it means breaking Ed25519. It is the same in every
stack and across runs (no state, no secret, stable plans). Operators reach the VMs through
Azure's run-command or serial console under Entra ID RBAC instead.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from functools import cache

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
ORDER = 2**252 + 27742317777372353535851937790883648493  # the prime-order subgroup
LABEL = "mlplat: ssh disabled, no private key exists"
COMMENT = "mlplat-no-ssh"

Point = tuple[int, int]


def _inv(x: int) -> int:
    return pow(x, P - 2, P)


def add(a: Point, b: Point) -> Point:
    """Affine twisted Edwards addition (a = -1), complete on Ed25519."""
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return (x1 * y2 + y1 * x2) * _inv(1 + t) % P, (y1 * y2 + x1 * x2) * _inv(1 - t) % P


def multiply(point: Point, k: int) -> Point:
    result: Point = (0, 1)
    while k:
        if k & 1:
            result = add(result, point)
        point = add(point, point)
        k >>= 1
    return result


def on_curve(point: Point) -> bool:
    x, y = point
    return (-x * x + y * y - 1 - D * x * x * y * y) % P == 0


def decode(data: bytes) -> Point | None:
    """A compressed Ed25519 point (RFC 8032, 5.1.3), or None when `data` is not one."""
    value = int.from_bytes(data, "little")
    y, sign = value & ((1 << 255) - 1), value >> 255
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P != 0:
        x = x * SQRT_M1 % P
    if (v * x * x - u) % P != 0:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y


def encode(point: Point) -> bytes:
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


@cache
def public_key_bytes() -> bytes:
    """Hash the label with a counter until it decodes to a point, then clear the cofactor
    (multiply by 8) so the key lies in the prime-order subgroup like any real Ed25519 key."""
    counter = 0
    while True:
        point = decode(hashlib.sha512(f"{LABEL}:{counter}".encode()).digest()[:32])
        if point is not None:
            point = multiply(point, 8)
            if point != (0, 1):
                return encode(point)
        counter += 1


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def lockbox_public_key() -> str:
    """The key in OpenSSH `authorized_keys` form."""
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(public_key_bytes())
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {COMMENT}"
