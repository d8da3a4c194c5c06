"""Passive authentication of an eMRTD: checking EF.SOD and the data groups against it.

ICAO 9303 Part 10 (4.6.2, the Document Security Object) and Part 11 (5.1, passive
authentication); the certificate profiles are those of Part 12. EF.SOD is tag 0x77 around a
CMS ``ContentInfo`` (RFC 5652) whose ``SignedData`` carries the ``LDSSecurityObject``: the hash
of every data group, signed by a document signer (DS) whose certificate is in the SOD and is
issued by a country signing CA (CSCA).

Pure computation on bytes: no device, no thread, no disk. Call it on the card worker thread
after the data groups are read; it takes a few milliseconds (one or two signature checks).

    result = passive_authentication(sod, {1: dg1, 2: dg2}, load_certificates(csca_dir))
    if result.status is PaStatus.VALID:
        ...                         # the chip's data is as the issuing state signed it
    result.reason                   # a stable key such as "dg_hash_mismatch"; detail "DG2"

The result never holds personal data: ``detail`` names data groups and algorithms only, and
``signer`` is the document signer's certificate subject (an authority, not the holder).
"""
from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
"""id-icao-mrtd-security-ldsSecurityObject, the eContentType of EF.SOD."""

SOD_TAG = 0x77

_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
"""The digests passive authentication accepts (Part 12 lists SHA-1 and the SHA-2 family)."""

_DIGEST_OIDS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}

# Signature algorithms by OID: (family, digest). A digest of None means "the SignerInfo's
# digestAlgorithm", as for rsaEncryption, which many issuing states put there.
_SIGNATURES: dict[str, tuple[str, str | None]] = {
    "1.2.840.10045.4.1": ("ecdsa", "sha1"),
    "1.2.840.10045.4.3.1": ("ecdsa", "sha224"),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    # BSI TR-03111 ecdsa-plain-SHA*: the signature is r || s, not a DER SEQUENCE.
    "0.4.0.127.0.7.1.1.4.1.1": ("ecdsa-plain", "sha1"),
    "0.4.0.127.0.7.1.1.4.1.2": ("ecdsa-plain", "sha224"),
    "0.4.0.127.0.7.1.1.4.1.3": ("ecdsa-plain", "sha256"),
    "0.4.0.127.0.7.1.1.4.1.4": ("ecdsa-plain", "sha384"),
    "0.4.0.127.0.7.1.1.4.1.5": ("ecdsa-plain", "sha512"),
    "1.2.840.113549.1.1.1": ("rsa", None),
    "1.2.840.113549.1.1.5": ("rsa", "sha1"),
    "1.2.840.113549.1.1.14": ("rsa", "sha224"),
    "1.2.840.113549.1.1.11": ("rsa", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa", "sha512"),
    "1.2.840.113549.1.1.10": ("rsa-pss", None),
}


# -- The LDS security object (Part 10, 4.6.2.3) -------------------------------------------------
# asn1crypto does not know it, so the eContent stays a plain OCTET STRING in the CMS structure
# and is parsed here with these classes.

class DataGroupHash(core.Sequence):
    _fields = [
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    _fields = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LDSSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


# -- Results ------------------------------------------------------------------------------------

class PaStatus(enum.Enum):
    VALID = "valid"
    """The SOD is signed by a trusted, valid document signer and every data group matches."""
    INVALID = "invalid"
    """Something checked and failed: the document or its reading cannot be trusted."""
    NOT_VERIFIABLE = "not_verifiable"
    """The SOD and data groups agree, but there is no CSCA to check the signer against."""


@dataclass(frozen=True)
class PaResult:
    status: PaStatus
    reason: str | None = None
    """A stable key, None when valid: ``sod_malformed``, ``content_type``, ``message_digest``,
    ``signature``, ``signer_not_trusted``, ``signer_expired``, ``dg_hash_mismatch``,
    ``dg_missing_hash``, ``unsupported_algorithm`` or ``no_csca``."""
    detail: str = ""
    """For the technician and the audit log, in English; never personal data."""
    signer: str = ""
    """The document signer certificate's subject (RFC 4514), once the SOD could be read."""


class SodError(ValueError):
    """EF.SOD is not a well-formed ICAO security object."""


@dataclass(frozen=True)
class SecurityObject:
    digest_algorithm: str
    """The LDSSecurityObject's hash algorithm for the data groups: ``sha256``, ``sha1``, ...
    (asn1crypto's name, or the dotted OID when it is one we do not know)."""
    dg_hashes: dict[int, bytes]
    signer_certificate: x509.Certificate | None
    """The DS certificate the SignerInfo names, None when the SOD does not carry it."""
    signed_attrs_der: bytes
    """The signed attributes as a DER SET (tag 0x31), the bytes the signature is over."""
    signature: bytes
    signature_algorithm: str
    """asn1crypto's name (``sha256_ecdsa``, ``sha256_rsa``, ``rsassa_pss``) or the dotted OID."""
    econtent: bytes
    """The DER of the LDSSecurityObject, as carried in the eContent OCTET STRING."""
    message_digest: bytes | None
    content_type: str | None
    """The content-type signed attribute as a dotted OID."""


@dataclass(frozen=True)
class _SignerDetail:
    """What passive authentication needs beyond the public SecurityObject."""

    econtent_type: str
    signer_digest_algorithm: str
    signature_algorithm_oid: str
    signature_parameters: algos.SignedDigestAlgorithm


# -- Parsing ------------------------------------------------------------------------------------

def _unwrap(data: bytes) -> bytes:
    """The ContentInfo DER inside the 0x77 wrapper (or ``data`` itself when unwrapped)."""
    if not data:
        raise SodError("empty")
    if data[0] != SOD_TAG:
        return data
    if len(data) < 2:
        raise SodError("truncated length")
    first = data[1]
    if first < 0x80:
        length, offset = first, 2
    else:
        size = first & 0x7F
        if size == 0 or size > 3:
            raise SodError("bad length encoding")
        if len(data) < 2 + size:
            raise SodError("truncated length")
        length, offset = int.from_bytes(data[2:2 + size], "big"), 2 + size
    if len(data) < offset + length:
        raise SodError("truncated")
    if len(data) > offset + length:
        raise SodError("data after the security object")
    return data[offset:offset + length]


def _parse(data: bytes) -> tuple[SecurityObject, _SignerDetail]:
    der = _unwrap(bytes(data))
    try:
        content_info = cms.ContentInfo.load(der, strict=True)
        if content_info["content_type"].dotted != "1.2.840.113549.1.7.2":
            raise SodError("not CMS signed-data")
        signed_data = content_info["content"]
        encap = signed_data["encap_content_info"]
        econtent_type = encap["content_type"].dotted
        content = encap["content"]
        if isinstance(content, core.Void):
            raise SodError("no eContent")
        if isinstance(content, core.Any):
            # A version 1 SignedData is read with the PKCS #7 ContentInfo, whose content is ANY;
            # the eContent is still an OCTET STRING.
            content = content.parse(core.OctetString)
        econtent = content.native
        if not isinstance(econtent, bytes):
            raise SodError("eContent is not an OCTET STRING")

        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise SodError(f"{len(signer_infos)} signer infos, expected 1")
        signer_info = signer_infos[0]

        signed_attrs = signer_info["signed_attrs"]
        content_type: str | None = None
        message_digest: bytes | None = None
        signed_attrs_der = b""
        if not isinstance(signed_attrs, core.Void):
            # The signature is over the attributes re-tagged as a SET (RFC 5652, 5.4): the bytes
            # as received, not a re-encoding, so that what is checked is what was signed.
            signed_attrs_der = b"\x31" + signed_attrs.dump()[1:]
            for attribute in signed_attrs:
                name = attribute["type"].dotted
                if name not in ("1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4"):
                    continue
                values = attribute["values"]
                if len(values) != 1:  # RFC 5652, 11.1 and 11.2: exactly one value each
                    raise SodError("content-type or message-digest without exactly one value")
                if name == "1.2.840.113549.1.9.3":
                    content_type = values[0].dotted
                else:
                    message_digest = values[0].native

        signature_algorithm = signer_info["signature_algorithm"]
        signature = signer_info["signature"].native
        digest_algorithm_oid = signer_info["digest_algorithm"]["algorithm"].dotted

        certificate = _signer_certificate(signed_data, signer_info["sid"])

        security_object = LDSSecurityObject.load(econtent, strict=True)
        version = security_object["version"].native
        if version not in (0, 1):
            raise SodError(f"LDSSecurityObject version {version}")
        hash_algorithm = security_object["hash_algorithm"]["algorithm"]
        hash_name = _DIGEST_OIDS.get(hash_algorithm.dotted, hash_algorithm.native)
        hash_size = hashlib.new(hash_name).digest_size if hash_name in _DIGESTS else None
        dg_hashes: dict[int, bytes] = {}
        for entry in security_object["data_group_hash_values"]:
            number = entry["data_group_number"].native
            value = entry["data_group_hash_value"].native
            if not 1 <= number <= 16:
                raise SodError(f"data group number {number}")
            if number in dg_hashes:
                raise SodError(f"DG{number} hashed twice")
            if hash_size is not None and len(value) != hash_size:
                raise SodError(f"DG{number} hash is not a {hash_name} hash")
            dg_hashes[number] = value
    except SodError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as err:
        # asn1crypto parses lazily and reports bad encodings with any of these.
        raise SodError(f"bad encoding ({type(err).__name__})") from err

    parsed = SecurityObject(
        digest_algorithm=hash_name,
        dg_hashes=dg_hashes,
        signer_certificate=certificate,
        signed_attrs_der=signed_attrs_der,
        signature=signature,
        signature_algorithm=signature_algorithm["algorithm"].native,
        econtent=econtent,
        message_digest=message_digest,
        content_type=content_type,
    )
    detail = _SignerDetail(
        econtent_type=econtent_type,
        signer_digest_algorithm=_DIGEST_OIDS.get(digest_algorithm_oid, digest_algorithm_oid),
        signature_algorithm_oid=signature_algorithm["algorithm"].dotted,
        signature_parameters=signature_algorithm,
    )
    return parsed, detail


def _signer_certificate(signed_data: cms.SignedData,
                        sid: cms.SignerIdentifier) -> x509.Certificate | None:
    """The certificate in SignedData.certificates that the SignerInfo's sid names."""
    certificates = signed_data["certificates"]
    if isinstance(certificates, core.Void):
        return None
    for choice in certificates:
        if choice.name != "certificate":
            continue
        candidate: asn1_x509.Certificate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            matches = (candidate.issuer == wanted["issuer"]
                       and candidate.serial_number == wanted["serial_number"].native)
        else:
            matches = candidate.key_identifier == sid.chosen.native
        if matches:
            try:
                return x509.load_der_x509_certificate(candidate.dump())
            except ValueError as err:
                raise SodError("document signer certificate does not parse") from err
    return None


def parse_sod(data: bytes) -> SecurityObject:
    """Read EF.SOD, with or without its 0x77 wrapper. Checks structure only, not signatures.

    Raises :class:`SodError` when the bytes are not a security object."""
    return _parse(data)[0]


# -- Checking -----------------------------------------------------------------------------------

def _hash(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


def _verify_signature(certificate: x509.Certificate, parsed: SecurityObject,
                      detail: _SignerDetail) -> PaResult | None:
    """None when the DS signature over the signed attributes verifies, else the failure."""
    signer = certificate.subject.rfc4514_string()
    algorithm = _SIGNATURES.get(detail.signature_algorithm_oid)
    if algorithm is None:
        return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                        f"signature algorithm {parsed.signature_algorithm}", signer)
    family, digest = algorithm
    digest = digest or detail.signer_digest_algorithm
    if digest not in _DIGESTS:
        return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                        f"signature digest {digest}", signer)
    hash_algorithm = _DIGESTS[digest]()
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                        "document signer key type", signer)

    signature = parsed.signature
    data = parsed.signed_attrs_der
    try:
        if family in ("ecdsa", "ecdsa-plain"):
            if not isinstance(key, ec.EllipticCurvePublicKey):
                return PaResult(PaStatus.INVALID, "signature",
                                "ECDSA signature with a non-EC key", signer)
            if family == "ecdsa-plain":
                half = len(signature) // 2
                if len(signature) % 2:
                    raise InvalidSignature
                signature = encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                                 int.from_bytes(signature[half:], "big"))
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                return PaResult(PaStatus.INVALID, "signature",
                                "RSA signature with a non-RSA key", signer)
            if family == "rsa-pss":
                pss = _pss_padding(detail.signature_parameters)
                if pss is None:
                    return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                                    "RSA-PSS parameters", signer)
                pss_padding, hash_algorithm = pss
                key.verify(signature, data, pss_padding, hash_algorithm)
            else:
                key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    except InvalidSignature:
        return PaResult(PaStatus.INVALID, "signature",
                        "document signer signature does not verify", signer)
    except UnsupportedAlgorithm:
        return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                        f"signature algorithm {parsed.signature_algorithm}", signer)
    return None


def _pss_padding(
        algorithm: algos.SignedDigestAlgorithm) -> tuple[padding.PSS, hashes.HashAlgorithm] | None:
    """The PSS padding and hash from RSASSA-PSS-params (RFC 4055), None if unsupported."""
    try:
        params = algorithm["parameters"]
        if not isinstance(params, algos.RSASSAPSSParams):
            params = algos.RSASSAPSSParams()  # absent parameters: every field takes its default
        hash_name = _DIGEST_OIDS.get(params["hash_algorithm"]["algorithm"].dotted)
        mgf = params["mask_gen_algorithm"]
        if mgf["algorithm"].native != "mgf1":
            return None
        mgf_hash_name = _DIGEST_OIDS.get(mgf["parameters"]["algorithm"].dotted)
        salt_length = params["salt_length"].native
        if params["trailer_field"].native not in ("trailer_field_bc", 1):
            return None
    except (ValueError, TypeError, KeyError):
        return None
    if hash_name is None or mgf_hash_name is None:
        return None
    return (padding.PSS(mgf=padding.MGF1(_DIGESTS[mgf_hash_name]()), salt_length=salt_length),
            _DIGESTS[hash_name]())


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``, a CA certificate, issued ``certificate`` by name and by key.

    Part 12 makes basicConstraints CA:TRUE mandatory for a CSCA; requiring it keeps a DS
    certificate dropped in the CSCA directory from acting as a trust anchor."""
    if certificate.issuer != issuer.subject:
        return False
    try:
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except (x509.ExtensionNotFound, ValueError):
        return False
    verify = getattr(certificate, "verify_directly_issued_by", None)
    if verify is not None:
        try:
            verify(issuer)
            return True
        except (ValueError, InvalidSignature):
            return False
        except (TypeError, UnsupportedAlgorithm):
            pass  # a key or padding this cryptography does not check itself: do it below
    return _verify_certificate_signature(certificate, issuer)


def _verify_certificate_signature(certificate: x509.Certificate,
                                  issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    hash_algorithm = certificate.signature_hash_algorithm
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and hash_algorithm is not None:
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       ec.ECDSA(hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey) and hash_algorithm is not None:
            params = certificate.signature_algorithm_parameters
            pad = params if isinstance(params, padding.PSS) else padding.PKCS1v15()
            key.verify(certificate.signature, certificate.tbs_certificate_bytes, pad,
                       hash_algorithm)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _as_utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def passive_authentication(sod: bytes, data_groups: dict[int, bytes],
                           csca: list[x509.Certificate] | None, *,
                           at: datetime | None = None) -> PaResult:
    """Check EF.SOD and ``data_groups`` (number -> the whole file as read, tag and length
    included) as ICAO 9303-11 5.1 describes.

    Integrity comes before trust: a data group that does not match is INVALID even with no
    CSCA. Checks, in order: the SOD parses; its content type; its message digest; the DS
    signature; each given data group's hash; a CSCA issued the DS; the DS is valid ``at``
    (now by default; a naive datetime is taken as UTC). The first failure is the result."""
    try:
        parsed, detail = _parse(sod)
    except SodError as err:
        return PaResult(PaStatus.INVALID, "sod_malformed", str(err))

    certificate = parsed.signer_certificate
    if certificate is None:
        # Part 10 requires the DS certificate in SignedData.certificates.
        return PaResult(PaStatus.INVALID, "sod_malformed", "no document signer certificate")
    signer = certificate.subject.rfc4514_string()

    if (parsed.content_type != LDS_SECURITY_OBJECT_OID
            or detail.econtent_type != LDS_SECURITY_OBJECT_OID):
        return PaResult(PaStatus.INVALID, "content_type",
                        "content type is not the LDS security object", signer)

    if detail.signer_digest_algorithm not in _DIGESTS:
        return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                        f"signer digest {detail.signer_digest_algorithm}", signer)
    expected_digest = _hash(detail.signer_digest_algorithm, parsed.econtent)
    if parsed.message_digest is None or not hmac.compare_digest(parsed.message_digest,
                                                                expected_digest):
        return PaResult(PaStatus.INVALID, "message_digest",
                        "message digest does not match the security object", signer)

    failure = _verify_signature(certificate, parsed, detail)
    if failure is not None:
        return failure

    if parsed.digest_algorithm not in _DIGESTS:
        return PaResult(PaStatus.INVALID, "unsupported_algorithm",
                        f"data group digest {parsed.digest_algorithm}", signer)
    mismatched: list[int] = []
    missing: list[int] = []
    for number in sorted(data_groups):
        expected = parsed.dg_hashes.get(number)
        if expected is None:
            missing.append(number)
        elif not hmac.compare_digest(expected, _hash(parsed.digest_algorithm,
                                                     bytes(data_groups[number]))):
            mismatched.append(number)
    if mismatched:
        return PaResult(PaStatus.INVALID, "dg_hash_mismatch",
                        ", ".join(f"DG{n}" for n in mismatched), signer)
    if missing:
        return PaResult(PaStatus.INVALID, "dg_missing_hash",
                        ", ".join(f"DG{n}" for n in missing), signer)

    if not csca:
        return PaResult(PaStatus.NOT_VERIFIABLE, "no_csca", "no CSCA certificates", signer)
    if not any(_issued_by(certificate, candidate) for candidate in csca):
        return PaResult(PaStatus.INVALID, "signer_not_trusted",
                        "no CSCA issued the document signer", signer)

    moment = _as_utc(at)
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        return PaResult(PaStatus.INVALID, "signer_expired",
                        "document signer certificate not valid at "
                        f"{moment.isoformat(timespec='seconds')}", signer)
    return PaResult(PaStatus.VALID, signer=signer)
