"""Passive authentication (ICAO 9303-11 5.1) against EF.SOD built by the test PKI, and the PKI's
files. Every failure is made by changing exactly one thing in a good SOD or its data groups."""
from __future__ import annotations

import hashlib
import logging
import shutil
import stat
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from asn1crypto import algos, cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from drivers.card.emrtd import pki
from drivers.card.emrtd.pa import (
    LDS_SECURITY_OBJECT_OID,
    LDSSecurityObject,
    PaResult,
    PaStatus,
    SodError,
    parse_sod,
    passive_authentication,
)

# Data-group-like files: right tags and lengths, made-up content (no real person's data).
DG1 = bytes.fromhex("610b5f1f08") + b"P<KEN<<<"
DG2 = bytes.fromhex("750c7f610902010130047f2e0100")
DG11 = bytes.fromhex("6b085c025f0e5f0e0100")
DATA_GROUPS = {1: DG1, 2: DG2, 11: DG11}
SIGNER = "CN=Huduma Test Document Signer,C=KE"


@pytest.fixture(scope="module")
def csca() -> tuple[pki.PrivateKey, x509.Certificate]:
    return pki.generate_csca()


@pytest.fixture(scope="module")
def ds(csca) -> tuple[pki.PrivateKey, x509.Certificate]:
    return pki.generate_document_signer(*csca)


@pytest.fixture(scope="module")
def sod(ds) -> bytes:
    return pki.build_sod(DATA_GROUPS, *ds)


def _unwrapped(sod: bytes) -> bytes:
    """The ContentInfo DER inside the 0x77 wrapper."""
    assert sod[0] == 0x77
    if sod[1] < 0x80:
        return sod[2:]
    size = sod[1] & 0x7F
    assert int.from_bytes(sod[2:2 + size], "big") == len(sod) - 2 - size
    return sod[2 + size:]


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def test_the_right_csca_makes_it_valid(sod, csca) -> None:
    result = passive_authentication(sod, DATA_GROUPS, [csca[1]])
    assert result == PaResult(PaStatus.VALID, reason=None, detail="", signer=SIGNER)


def test_the_csca_is_found_among_others(sod, csca) -> None:
    _, other = pki.generate_csca(country="UG", common_name="Other CSCA")
    assert passive_authentication(sod, DATA_GROUPS, [other, csca[1]]).status is PaStatus.VALID


@pytest.mark.parametrize("no_csca", [None, []])
def test_without_a_csca_it_is_not_verifiable(sod, no_csca) -> None:
    result = passive_authentication(sod, DATA_GROUPS, no_csca)
    assert (result.status, result.reason, result.signer) == (
        PaStatus.NOT_VERIFIABLE, "no_csca", SIGNER)


@pytest.mark.parametrize("with_csca", [True, False])
def test_one_changed_byte_of_dg2_is_a_mismatch_even_without_a_csca(sod, csca, with_csca) -> None:
    changed = {1: DG1, 2: _flip(DG2, len(DG2) - 1), 11: DG11}
    result = passive_authentication(sod, changed, [csca[1]] if with_csca else None)
    assert (result.status, result.reason, result.detail) == (
        PaStatus.INVALID, "dg_hash_mismatch", "DG2")


def test_every_mismatching_group_is_named(sod, csca) -> None:
    changed = {1: _flip(DG1, 5), 2: DG2, 11: DG11 + b"\x00"}
    result = passive_authentication(sod, changed, [csca[1]])
    assert (result.reason, result.detail) == ("dg_hash_mismatch", "DG1, DG11")


def test_a_group_the_sod_does_not_hash_is_refused(sod, csca) -> None:
    result = passive_authentication(sod, {**DATA_GROUPS, 14: b"\x6e\x00"}, [csca[1]])
    assert (result.status, result.reason, result.detail) == (
        PaStatus.INVALID, "dg_missing_hash", "DG14")


def test_a_subset_of_the_groups_is_enough(sod, csca) -> None:
    assert passive_authentication(sod, {1: DG1}, [csca[1]]).status is PaStatus.VALID


def test_a_csca_with_the_same_name_but_another_key_is_not_trusted(sod) -> None:
    _, impostor = pki.generate_csca()
    result = passive_authentication(sod, DATA_GROUPS, [impostor])
    assert (result.status, result.reason, result.signer) == (
        PaStatus.INVALID, "signer_not_trusted", SIGNER)


def test_a_document_signer_certificate_is_no_trust_anchor(sod, ds) -> None:
    result = passive_authentication(sod, DATA_GROUPS, [ds[1]])
    assert result.reason == "signer_not_trusted"


def test_a_csca_look_alike_that_is_not_a_ca_is_not_trusted(sod, csca) -> None:
    key, real = csca
    not_a_ca = (x509.CertificateBuilder()
                .subject_name(real.subject).issuer_name(real.subject)
                .public_key(key.public_key()).serial_number(1)
                .not_valid_before(real.not_valid_before_utc)
                .not_valid_after(real.not_valid_after_utc)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
    result = passive_authentication(sod, DATA_GROUPS, [not_a_ca])
    assert result.reason == "signer_not_trusted"


def test_a_flipped_signature_byte_fails_the_signature(sod, csca) -> None:
    signature = parse_sod(sod).signature
    at = sod.index(signature) + len(signature) - 1
    result = passive_authentication(_flip(sod, at), DATA_GROUPS, [csca[1]])
    assert (result.status, result.reason) == (PaStatus.INVALID, "signature")


def test_a_changed_econtent_fails_the_message_digest(sod, csca) -> None:
    dg2_hash = hashlib.sha256(DG2).digest()
    tampered = _flip(sod, sod.index(dg2_hash))
    assert parse_sod(tampered).dg_hashes[2] != dg2_hash   # still parses: only the digest is off
    result = passive_authentication(tampered, DATA_GROUPS, [csca[1]])
    assert (result.status, result.reason) == (PaStatus.INVALID, "message_digest")


def test_a_wrong_content_type_attribute_is_refused(sod, csca) -> None:
    oid = bytes.fromhex("0606678108010101")  # 2.23.136.1.1.1
    first = sod.index(oid)                       # the eContentType
    second = sod.index(oid, first + 1)           # the content-type signed attribute
    tampered = _flip(sod, second + len(oid) - 1)
    assert parse_sod(tampered).content_type == "2.23.136.1.1.0"
    result = passive_authentication(tampered, DATA_GROUPS, [csca[1]])
    assert (result.status, result.reason) == (PaStatus.INVALID, "content_type")


@pytest.mark.parametrize("days", [366, -1])
def test_outside_the_signer_validity_it_is_expired(sod, csca, ds, days) -> None:
    if days > 0:
        at = ds[1].not_valid_after_utc + timedelta(seconds=1)
    else:
        at = ds[1].not_valid_before_utc - timedelta(seconds=1)
    result = passive_authentication(sod, DATA_GROUPS, [csca[1]], at=at)
    assert (result.status, result.reason) == (PaStatus.INVALID, "signer_expired")


def test_a_naive_moment_is_utc(sod, csca, ds) -> None:
    at = (ds[1].not_valid_after_utc - timedelta(minutes=1)).replace(tzinfo=None)
    assert passive_authentication(sod, DATA_GROUPS, [csca[1]], at=at).status is PaStatus.VALID
    late = (ds[1].not_valid_after_utc + timedelta(minutes=1)).replace(tzinfo=None)
    assert passive_authentication(sod, DATA_GROUPS, [csca[1]], at=late).reason == "signer_expired"


def _malformed(sod: bytes) -> list[bytes]:
    body = _unwrapped(sod)
    return [
        b"",
        b"\x77",
        b"\x77\x82\x01",
        b"garbage, not a security object",
        sod[:-1],
        sod[:len(sod) // 2],
        sod + b"\x00",
        bytes([0x77, 0x82]) + (len(body) + 5).to_bytes(2, "big") + body,
        body[:-10],
        bytes.fromhex("7703300100"),                       # a SEQUENCE that is no ContentInfo
        bytes.fromhex("7711300f06092a864886f70d010701a0020400"),   # id-data, not signed-data
    ]


@pytest.mark.parametrize("case", range(11))
def test_malformed_input_is_sod_malformed(sod, csca, case) -> None:
    data = _malformed(sod)[case]
    with pytest.raises(SodError):
        parse_sod(data)
    result = passive_authentication(data, DATA_GROUPS, [csca[1]])
    assert (result.status, result.reason, result.signer) == (PaStatus.INVALID, "sod_malformed", "")


def test_sod_error_is_a_value_error() -> None:
    assert issubclass(SodError, ValueError)


@pytest.mark.parametrize("digest", ["sha1", "sha224", "sha384", "sha512"])
def test_other_digests_verify(csca, ds, digest) -> None:
    sod = pki.build_sod(DATA_GROUPS, *ds, digest=digest)
    parsed = parse_sod(sod)
    assert parsed.digest_algorithm == digest
    assert parsed.signature_algorithm == f"{digest}_ecdsa"
    assert parsed.dg_hashes == {
        number: hashlib.new(digest, dg).digest() for number, dg in DATA_GROUPS.items()}
    assert passive_authentication(sod, DATA_GROUPS, [csca[1]]).status is PaStatus.VALID
    changed = {**DATA_GROUPS, 2: _flip(DG2, 0)}
    assert passive_authentication(sod, changed, [csca[1]]).detail == "DG2"


@pytest.fixture(scope="module")
def rsa_ds(csca) -> tuple[pki.PrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return pki.generate_document_signer(*csca, key=key)


@pytest.mark.parametrize("rsa_padding, algorithm", [
    ("pkcs1v15", "sha256_rsa"),
    ("pss", "rsassa_pss"),
])
def test_an_rsa_document_signer_verifies(csca, rsa_ds, rsa_padding, algorithm) -> None:
    sod = pki.build_sod(DATA_GROUPS, *rsa_ds, rsa_padding=rsa_padding)
    assert parse_sod(sod).signature_algorithm == algorithm
    assert passive_authentication(sod, DATA_GROUPS, [csca[1]]) == PaResult(
        PaStatus.VALID, signer=SIGNER)
    signature = parse_sod(sod).signature
    flipped = _flip(sod, sod.index(signature) + 10)
    assert passive_authentication(flipped, DATA_GROUPS, [csca[1]]).reason == "signature"


def _resigned(sod: bytes, algorithm_oid: str, signature: bytes) -> bytes:
    """``sod`` (as bare ContentInfo) with another signature algorithm and signature."""
    info = cms.ContentInfo.load(_unwrapped(sod))
    signer = info["content"]["signer_infos"][0]
    signer["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": algorithm_oid})
    signer["signature"] = signature
    return info.dump(force=True)


def test_a_plain_ecdsa_signature_verifies(sod, csca, ds) -> None:
    # BSI TR-03111 ecdsa-plain-SHA256: r || s, each 32 bytes for P-256.
    parsed = parse_sod(sod)
    r, s = decode_dss_signature(ds[0].sign(parsed.signed_attrs_der, ec.ECDSA(hashes.SHA256())))
    plain = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    resigned = _resigned(sod, "0.4.0.127.0.7.1.1.4.1.3", plain)
    assert passive_authentication(resigned, DATA_GROUPS, [csca[1]]).status is PaStatus.VALID
    broken = _resigned(sod, "0.4.0.127.0.7.1.1.4.1.3", plain[:-1] + b"\x00")
    assert passive_authentication(broken, DATA_GROUPS, [csca[1]]).reason == "signature"


def test_an_unknown_signature_algorithm_is_unsupported(sod, csca) -> None:
    resigned = _resigned(sod, "2.16.840.1.101.3.4.3.10", parse_sod(sod).signature)  # SHA3
    result = passive_authentication(resigned, DATA_GROUPS, [csca[1]])
    assert (result.status, result.reason, result.detail) == (
        PaStatus.INVALID, "unsupported_algorithm", "signature algorithm sha3_256_ecdsa")


def test_parse_sod_gives_exactly_what_was_signed(sod, ds) -> None:
    for data in (sod, _unwrapped(sod)):
        parsed = parse_sod(data)
        assert parsed.dg_hashes == {1: hashlib.sha256(DG1).digest(),
                                    2: hashlib.sha256(DG2).digest(),
                                    11: hashlib.sha256(DG11).digest()}
        assert parsed.digest_algorithm == "sha256"
        assert parsed.signature_algorithm == "sha256_ecdsa"
        assert parsed.content_type == LDS_SECURITY_OBJECT_OID
        assert parsed.message_digest == hashlib.sha256(parsed.econtent).digest()
        assert parsed.signer_certificate == ds[1]
        assert parsed.signed_attrs_der[0] == 0x31
        assert parsed.signed_attrs_der[1:] in sod


def test_the_sod_is_what_asn1crypto_and_icao_expect(sod, ds) -> None:
    info = cms.ContentInfo.load(_unwrapped(sod))
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["version"].native == "v3"
    assert signed["encap_content_info"]["content_type"].dotted == LDS_SECURITY_OBJECT_OID
    assert signed["certificates"][0].chosen.dump() == ds[1].public_bytes(
        serialization.Encoding.DER)
    signer = signed["signer_infos"][0]
    assert signer["version"].native == "v1"
    assert signer["sid"].name == "issuer_and_serial_number"
    assert signer["sid"].chosen["serial_number"].native == ds[1].serial_number
    assert signer["digest_algorithm"]["algorithm"].native == "sha256"
    assert signer["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    assert sorted(a["type"].native for a in signer["signed_attrs"]) == [
        "content_type", "message_digest", "signing_time"]
    econtent = signed["encap_content_info"]["content"].native
    assert parse_sod(sod).econtent == econtent
    security_object = LDSSecurityObject.load(econtent)
    assert security_object["version"].native == 0
    assert [entry["data_group_number"].native
            for entry in security_object["data_group_hash_values"]] == [1, 2, 11]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not on PATH")
@pytest.mark.parametrize("kind", ["ec", "rsa", "pss"])
def test_openssl_verifies_the_sod(tmp_path, sod, csca, rsa_ds, kind) -> None:
    if kind != "ec":
        padding = "pss" if kind == "pss" else "pkcs1v15"
        sod = pki.build_sod(DATA_GROUPS, *rsa_ds, rsa_padding=padding)
    (tmp_path / "sod.der").write_bytes(_unwrapped(sod))
    pki.write_pem(tmp_path / "csca.pem", csca[1])
    for trust in (["-noverify"], ["-CAfile", str(tmp_path / "csca.pem"), "-purpose", "any"]):
        done = subprocess.run(
            ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "sod.der"),
             "-binary", "-out", str(tmp_path / "econtent"), *trust],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "econtent").read_bytes() == parse_sod(sod).econtent


def test_load_certificates_reads_pem_and_der_and_skips_a_broken_file(tmp_path, csca, ds, caplog):
    _, other = pki.generate_csca(common_name="Another CSCA")
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    (tmp_path / "a-two.pem").write_bytes(pem(csca[1]) + pem(ds[1]))
    (tmp_path / "b-one.der").write_bytes(other.public_bytes(serialization.Encoding.DER))
    (tmp_path / "c-broken.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64!\n"
                                            b"-----END CERTIFICATE-----\n")
    (tmp_path / "d-broken.cer").write_bytes(b"\x30\x03\x02\x01")
    pki.write_pem(tmp_path / "e-key.pem", csca[0])          # a key: passed over quietly
    (tmp_path / "f-notes.txt").write_bytes(pem(other))      # not a certificate suffix
    with caplog.at_level(logging.DEBUG, logger="drivers.card.emrtd.pki"):
        loaded = pki.load_certificates(tmp_path)
    assert loaded == [csca[1], ds[1], other]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Skipping c-broken.crt: not a readable certificate",
                        "Skipping d-broken.cer: not a readable certificate"]


def test_load_certificates_of_a_missing_directory_is_empty(tmp_path) -> None:
    assert pki.load_certificates(tmp_path / "absent") == []


def test_ensure_test_pki_creates_once_then_loads(tmp_path) -> None:
    directory = tmp_path / "pki"
    first = pki.ensure_test_pki(directory)
    names = ["csca-key.pem", "csca.pem", "ds-key.pem", "ds.pem"]
    assert sorted(p.name for p in directory.glob("*.pem")) == names
    assert stat.S_IMODE((directory / "ds-key.pem").stat().st_mode) == 0o600
    files = {name: (directory / name).read_bytes() for name in names}

    second = pki.ensure_test_pki(directory)
    assert (second.csca_cert, second.ds_cert) == (first.csca_cert, first.ds_cert)
    assert second.ds_key.private_numbers() == first.ds_key.private_numbers()
    assert {name: (directory / name).read_bytes() for name in names} == files
    assert second.directory == directory

    sod = pki.build_sod(DATA_GROUPS, second.ds_key, second.ds_cert)
    trusted = pki.load_certificates(directory)
    assert passive_authentication(sod, DATA_GROUPS, trusted).status is PaStatus.VALID


def test_ensure_test_pki_reissues_a_missing_document_signer(tmp_path) -> None:
    first = pki.ensure_test_pki(tmp_path)
    (tmp_path / "ds.pem").unlink()
    second = pki.ensure_test_pki(tmp_path)
    assert second.csca_cert == first.csca_cert
    assert second.ds_cert != first.ds_cert
    second.ds_cert.verify_directly_issued_by(first.csca_cert)


def test_the_test_pki_follows_the_icao_profiles(csca, ds) -> None:
    ca = csca[1].extensions
    assert ca.get_extension_for_class(x509.BasicConstraints).value == x509.BasicConstraints(
        ca=True, path_length=0)
    usage = ca.get_extension_for_class(x509.KeyUsage).value
    assert (usage.key_cert_sign, usage.crl_sign, usage.digital_signature) == (True, True, False)
    ski = ca.get_extension_for_class(x509.SubjectKeyIdentifier).value
    signer = ds[1].extensions
    assert signer.get_extension_for_class(x509.KeyUsage).value.digital_signature is True
    aki = signer.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert csca[1].subject.rfc4514_string() == "CN=Huduma Test CSCA,C=KE"
    assert ds[1].issuer == csca[1].subject
    assert ds[1].not_valid_after_utc - ds[1].not_valid_before_utc == timedelta(days=365, hours=1)
    assert datetime.now(timezone.utc) < ds[1].not_valid_after_utc
