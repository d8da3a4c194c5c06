"""A test PKI for eMRTDs: a country signing CA (CSCA), a document signer (DS), and EF.SOD.

The card emulator signs its EF.SOD with this, and the kiosk under test trusts the CSCA, so
passive authentication runs end to end without a real country's keys. Certificates follow the
profiles of ICAO 9303 Part 12 (CSCA: CA with path length 0, keyCertSign and cRLSign; DS:
digitalSignature, with the CSCA's key identifier); EF.SOD follows Part 10, 4.6.2. Never trust
this CSCA outside tests and demos: its key sits unencrypted next to its certificate.

Blocking file I/O in ``ensure_test_pki``, ``write_pem`` and ``load_certificates``; the rest is
computation. Call from a worker thread or at start-up, not from the UI thread.

    pki = ensure_test_pki(data_dir / "test-pki")       # created once, then loaded
    sod = build_sod({1: dg1, 2: dg2}, pki.ds_key, pki.ds_cert)
    passive_authentication(sod, {1: dg1, 2: dg2}, [pki.csca_cert]).status   # PaStatus.VALID
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from drivers.card.emrtd.pa import (
    LDS_SECURITY_OBJECT_OID,
    SOD_TAG,
    DataGroupHash,
    DataGroupHashValues,
    LDSSecurityObject,
)

log = logging.getLogger(__name__)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

_CERTIFICATE_SUFFIXES = {".pem", ".crt", ".cer", ".der"}

# Back-date certificates a little so a kiosk whose clock is slightly behind the emulator's
# still sees them as valid.
_BACKDATE = timedelta(hours=1)


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def generate_csca(country: str = "KE", common_name: str = "Huduma Test CSCA", *,
                  valid_days: int = 3650) -> tuple[PrivateKey, x509.Certificate]:
    """A new ECDSA P-256 key and its self-signed CSCA certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(country, common_name)
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def generate_document_signer(csca_key: PrivateKey, csca_cert: x509.Certificate,
                             country: str = "KE",
                             common_name: str = "Huduma Test Document Signer", *,
                             valid_days: int = 365,
                             key: PrivateKey | None = None,
                             ) -> tuple[PrivateKey, x509.Certificate]:
    """A new ECDSA P-256 key and its DS certificate, issued by the CSCA.

    ``key`` signs with a key of your own instead (an RSA key, say, to test RSA signers)."""
    if key is None:
        key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    try:
        ski = csca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        authority_key_id = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        authority_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(
            csca_key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(country, common_name))
        .issuer_name(csca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(authority_key_id, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(csca_key, hashes.SHA256())
    )
    return key, certificate


def _tlv_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def build_sod(data_groups: dict[int, bytes], ds_key: PrivateKey, ds_cert: x509.Certificate, *,
              digest: str = "sha256", rsa_padding: str = "pkcs1v15") -> bytes:
    """The complete EF.SOD file (0x77, length, ContentInfo DER) over ``data_groups``.

    Each data group is the whole file as the card serves it (tag, length, value). ``digest``
    (sha1, sha224, sha256, sha384, sha512) hashes the data groups and the signed attributes;
    an EC key signs ecdsa-with-SHA*, an RSA key sha*WithRSAEncryption, or RSASSA-PSS (MGF1 with
    the same hash, salt as long as the hash) when ``rsa_padding`` is ``"pss"``."""
    if digest not in _HASHES:
        raise ValueError(f"unsupported digest {digest!r}")
    if rsa_padding not in ("pkcs1v15", "pss"):
        raise ValueError(f"unsupported RSA padding {rsa_padding!r}")
    if not data_groups:
        raise ValueError("no data groups to sign")
    if any(not 1 <= number <= 16 for number in data_groups):
        raise ValueError("data group numbers run from 1 to 16")
    hash_algorithm = _HASHES[digest]()

    security_object = LDSSecurityObject({
        "version": 0,
        "hash_algorithm": {"algorithm": digest},
        "data_group_hash_values": DataGroupHashValues([
            DataGroupHash({
                "data_group_number": number,
                "data_group_hash_value": hashlib.new(digest, bytes(data_groups[number])).digest(),
            })
            for number in sorted(data_groups)
        ]),
    })
    econtent = security_object.dump()

    signed_attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": [LDS_SECURITY_OBJECT_OID]}),
        cms.CMSAttribute({"type": "message_digest",
                          "values": [hashlib.new(digest, econtent).digest()]}),
        cms.CMSAttribute({"type": "signing_time",
                          "values": [cms.Time({"utc_time": datetime.now(timezone.utc)})]}),
    ])
    to_sign = signed_attrs.dump()  # a SET, sorted as DER wants it

    if isinstance(ds_key, ec.EllipticCurvePrivateKey):
        signature = ds_key.sign(to_sign, ec.ECDSA(hash_algorithm))
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    elif isinstance(ds_key, rsa.RSAPrivateKey) and rsa_padding == "pss":
        signature = ds_key.sign(to_sign, padding.PSS(
            mgf=padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size),
            hash_algorithm)
        signature_algorithm = algos.SignedDigestAlgorithm({
            "algorithm": "rsassa_pss",
            "parameters": algos.RSASSAPSSParams({
                "hash_algorithm": {"algorithm": digest},
                "mask_gen_algorithm": {"algorithm": "mgf1",
                                       "parameters": {"algorithm": digest}},
                "salt_length": hash_algorithm.digest_size,
                "trailer_field": "trailer_field_bc",
            }),
        })
    elif isinstance(ds_key, rsa.RSAPrivateKey):
        signature = ds_key.sign(to_sign, padding.PKCS1v15(), hash_algorithm)
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_rsa"})
    else:
        raise TypeError("the document signer key must be an EC or RSA private key")

    certificate = asn1_x509.Certificate.load(ds_cert.public_bytes(serialization.Encoding.DER))
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": certificate.issuer,
            "serial_number": certificate.serial_number,
        }}),
        "digest_algorithm": {"algorithm": digest},
        "signed_attrs": signed_attrs,
        "signature_algorithm": signature_algorithm,
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3",  # v3 because the eContentType is not id-data (RFC 5652, 5.1)
        "digest_algorithms": [{"algorithm": digest}],
        "encap_content_info": {
            "content_type": LDS_SECURITY_OBJECT_OID,
            "content": core.ParsableOctetString(econtent),
        },
        "certificates": [certificate],
        "signer_infos": [signer_info],
    })
    der = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    return bytes([SOD_TAG]) + _tlv_length(len(der)) + der


# -- Files --------------------------------------------------------------------------------------

def write_pem(path: str | os.PathLike[str],
              cert_or_key: x509.Certificate | PrivateKey) -> None:
    """Write a certificate (PEM CERTIFICATE) or a private key (unencrypted PKCS #8 PEM, mode
    0600), replacing the file in one step so a reader never sees half of it."""
    path = Path(path)
    if isinstance(cert_or_key, x509.Certificate):
        data = cert_or_key.public_bytes(serialization.Encoding.PEM)
    elif isinstance(cert_or_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        data = cert_or_key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    else:
        raise TypeError("write_pem takes a certificate or an EC or RSA private key")
    # mkstemp creates the file 0600, which suits keys; certificates are public, so 0644.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if isinstance(cert_or_key, x509.Certificate):
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_certificates(directory: str | os.PathLike[str]) -> list[x509.Certificate]:
    """Every certificate in ``directory``'s *.pem, *.crt, *.cer and *.der files, in file-name
    order. A file may be PEM (any number of certificates) or DER (one), whatever its suffix.

    PEM files without a certificate (private keys) are passed over; files that do not read
    are skipped with a warning; a missing directory gives an empty list and a warning."""
    directory = Path(directory)
    if not directory.is_dir():
        log.warning("No certificate directory at %s", directory)
        return []
    certificates: list[x509.Certificate] = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in _CERTIFICATE_SUFFIXES or not path.is_file():
            continue
        try:
            data = path.read_bytes()
            if b"-----BEGIN" in data:
                if b"-----BEGIN CERTIFICATE-----" not in data:
                    log.debug("Passing over %s: no certificate in it", path.name)
                    continue
                certificates.extend(x509.load_pem_x509_certificates(data))
            else:
                certificates.append(x509.load_der_x509_certificate(data))
        except (OSError, ValueError):
            # The error text could quote the file's content: name the file only.
            log.warning("Skipping %s: not a readable certificate", path.name)
    return certificates


@dataclass
class TestPki:
    __test__ = False  # not a pytest test class, despite its name

    csca_key: PrivateKey
    csca_cert: x509.Certificate
    ds_key: PrivateKey
    ds_cert: x509.Certificate
    directory: Path


def _load_pair(directory: Path, stem: str) -> tuple[PrivateKey, x509.Certificate] | None:
    """The key and certificate ``stem``-key.pem and ``stem``.pem, if both read and match."""
    try:
        certificate = x509.load_pem_x509_certificate((directory / f"{stem}.pem").read_bytes())
        key = serialization.load_pem_private_key((directory / f"{stem}-key.pem").read_bytes(),
                                                 password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        return None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, spki)
            != certificate.public_key().public_bytes(serialization.Encoding.DER, spki)):
        return None
    now = datetime.now(timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return None
    return key, certificate


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def ensure_test_pki(directory: str | os.PathLike[str]) -> TestPki:
    """The test PKI in ``directory`` (csca.pem, csca-key.pem, ds.pem, ds-key.pem), made on
    first use and loaded afterwards.

    A pair that is missing, unreadable, mismatched or out of date is made anew: a new CSCA
    brings a new DS with it; an expired DS alone is re-issued by the existing CSCA. A lock file
    keeps the emulator and the kiosk from both creating it at once."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        csca = _load_pair(directory, "csca")
        ds = _load_pair(directory, "ds") if csca is not None else None
        if ds is not None and not _issued_by(ds[1], csca[1]):
            ds = None
        if csca is None:
            csca = generate_csca()
            write_pem(directory / "csca-key.pem", csca[0])
            write_pem(directory / "csca.pem", csca[1])
            log.info("Made a new test CSCA in %s", directory)
        if ds is None:
            ds = generate_document_signer(*csca)
            write_pem(directory / "ds-key.pem", ds[0])
            write_pem(directory / "ds.pem", ds[1])
            log.info("Made a new test document signer in %s", directory)
    return TestPki(csca_key=csca[0], csca_cert=csca[1], ds_key=ds[0], ds_cert=ds[1],
                   directory=directory)
