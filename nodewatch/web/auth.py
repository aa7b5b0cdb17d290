"""Optional HTTP basic auth: one user, a salted password hash in a file, constant-time checks.

The hash is in Werkzeug's format (`pbkdf2:sha256:ITERATIONS$salt$hash` or
`scrypt:N:R:P$salt$hash`, hex digests of hashlib's own functions), made by
`nodewatch password-hash`; it is read here with hashlib alone, so the
service never loads Werkzeug (~2.6 MiB) to check a password. Its default, PBKDF2-SHA256
with 200 000 iterations, takes an x86 core about 0.2 s and a Pi Zero 2 a few
seconds (scrypt would need 32 MB, most of a Pi Zero's budget). A page reload
makes several requests, so after one successful check the process remembers
an HMAC of the credentials under a random key of its own (never the password)
and compares that in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from nodewatch.config import WebSettings

HASH_METHODS = ("pbkdf2:", "scrypt:")
HASH_METHOD = "pbkdf2:sha256:200000"
SALT_LENGTH = 16  # as Werkzeug's generate_password_hash
SALT_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_REMEMBERED = 8  # successful credential digests kept (one user, a few browsers)


class AuthConfigError(Exception):
    """The [web] basic auth settings are unusable; the message names the key and the file."""


@dataclass(slots=True)
class BasicAuth:
    user: str
    password_hash: str
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _remembered: list[bytes] = field(default_factory=list)

    def check(self, user: str, password: str) -> bool:
        """Given the credentials of a request, return whether they are the configured ones."""
        digest = hmac.new(self._key, f"{user}\0{password}".encode(), hashlib.sha256).digest()
        if any(hmac.compare_digest(digest, known) for known in self._remembered):
            return True
        user_ok = hmac.compare_digest(user.encode(), self.user.encode())
        # Always verify the password, so a wrong user name takes as long as a wrong password.
        password_ok = check_password_hash(self.password_hash, password)
        if user_ok and password_ok:
            self._remembered = [digest, *self._remembered][:_REMEMBERED]
            return True
        return False


def from_config(web: WebSettings, config_path: Path | None = None) -> BasicAuth | None:
    """Given the [web] settings, return the basic auth to enforce, or None when it is not configured.

    Raise AuthConfigError naming the key (and the config file) when only half of it is set or the
    hash file cannot be used.
    """
    where = f"{config_path}: " if config_path else ""
    user = web.basic_auth_user
    hash_file = web.basic_auth_password_hash_file
    if not user and not hash_file:
        return None
    if not user or not hash_file:
        missing = "web.basic_auth_user" if not user else "web.basic_auth_password_hash_file"
        raise AuthConfigError(f"{where}{missing} must be set too: basic auth needs a user and a hash file")
    try:
        text = Path(hash_file).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise AuthConfigError(
            f"{where}web.basic_auth_password_hash_file: cannot read {hash_file}: {err.strerror}"
        ) from None
    if not text.startswith(HASH_METHODS) or text.count("$") != 2:
        raise AuthConfigError(
            f"{where}web.basic_auth_password_hash_file: {hash_file} does not hold a password hash"
            " (make one with `nodewatch password-hash`)"
        )
    return BasicAuth(user=user, password_hash=text)


def make_hash(password: str, method: str = HASH_METHOD) -> str:
    """Return a salted hash of password for the hash file (pbkdf2: cheap on memory, fine on a Pi)."""
    salt = "".join(secrets.choice(SALT_CHARACTERS) for _ in range(SALT_LENGTH))
    digest = _derive(method, salt, password)
    if digest is None:
        raise ValueError(f"unknown hash method {method!r}")
    return f"{method}${salt}${digest}"


def check_password_hash(password_hash: str, password: str) -> bool:
    """Whether password is the one password_hash (`METHOD$salt$hexdigest`) was made from."""
    method, salt, expected = [*password_hash.split("$", 2), "", ""][:3]
    digest = _derive(method, salt, password)
    return digest is not None and hmac.compare_digest(digest, expected)


def _derive(method: str, salt: str, password: str) -> str | None:
    """The hex digest Werkzeug's format names: pbkdf2:HASH:ITERATIONS or scrypt:N:R:P."""
    kind, *arguments = method.split(":")
    try:
        if kind == "pbkdf2" and len(arguments) == 2:
            name, iterations = arguments[0], int(arguments[1])
            return hashlib.pbkdf2_hmac(name, password.encode(), salt.encode(), iterations).hex()
        if kind == "scrypt" and len(arguments) == 3:
            n, r, p = map(int, arguments)
            return hashlib.scrypt(
                password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
            ).hex()
    except ValueError:  # a hash function hashlib does not have, or parameters it refuses
        return None
    return None
