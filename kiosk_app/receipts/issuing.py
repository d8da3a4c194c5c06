"""Issuing a receipt: the signed token for its QR, and the receipt's bytes for the printer.

    issuer = ReceiptIssuer.for_data_dir(config.data_dir, config.device_id)
    data, token = issuer.receipt(reference="HK-2026-000123", service_code="DUP_ID", ...)

The device's Ed25519 key is made once and kept in the data folder; this kiosk's own public key is
always in its key directory, so any receipt it printed verifies here, offline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kiosk_app.receipts.documents import ReceiptData
from kiosk_app.receipts.keys import DEVICE_KEY_FILE, DIRECTORY_FILE, DeviceKey, KeyDirectory
from kiosk_app.receipts.token import ReceiptClaims, issue


@dataclass
class ReceiptIssuer:
    device_id: str
    key: DeviceKey
    directory: KeyDirectory

    @classmethod
    def for_data_dir(cls, data_dir: Path, device_id: str) -> "ReceiptIssuer":
        """Disk: call from a worker. Makes the device key on first use and records its public
        half in the key directory file."""
        key = DeviceKey.load_or_create(data_dir / DEVICE_KEY_FILE)
        path = data_dir / DIRECTORY_FILE
        directory = KeyDirectory.load(path).with_device(key, device_id)
        directory.save(path)
        return cls(device_id, key, directory)

    def token(self, *, reference: str, service_code: str, amount_cents: int,
              issued_at: datetime) -> str:
        return issue(ReceiptClaims(reference, service_code, amount_cents,
                                   issued_at.astimezone(timezone.utc).replace(microsecond=0),
                                   self.device_id), self.key.private_key)

    def receipt(self, *, reference: str, service_code: str, service_name_en: str,
                service_name_sw: str, official_fee_cents: int, convenience_fee_cents: int,
                payment_method: str, mpesa_code: str | None, issued_at: datetime,
                training: bool = False) -> ReceiptData:
        token = self.token(reference=reference, service_code=service_code,
                           amount_cents=official_fee_cents + convenience_fee_cents,
                           issued_at=issued_at)
        return ReceiptData(reference=reference, service_name_en=service_name_en,
                           service_name_sw=service_name_sw, official_fee_cents=official_fee_cents,
                           convenience_fee_cents=convenience_fee_cents,
                           payment_method=payment_method,  # type: ignore[arg-type]
                           mpesa_code=mpesa_code, issued_at=issued_at, device_id=self.device_id,
                           token=token, training=training)
