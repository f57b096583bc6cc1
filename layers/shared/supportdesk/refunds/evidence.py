"""Evidence for disputes (order confirmations, payment vouchers) in a private S3 bucket, under the dispute's prefix
`disputes/<dispute id>/`. Customers upload with a presigned POST whose policy S3 enforces: exactly that key, the
declared content type (image/jpeg, image/png, application/pdf), at most 10 MB, valid 10 minutes. Staff read with
presigned GET links valid 5 minutes. Nothing is ever public (bucket policy and public access block).

When the dispute names the customer's ticket, the files the customer sent with that ticket's messages (mailed
vouchers, web uploads; never an agent's) count as its evidence too: TicketEvidence reads them where the ticket keeps
them (supportdesk.inbound.attachments: MailChannelTable and the MailBucket), one Query of the ticket's files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Protocol

CONTENT_TYPES = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",), "application/pdf": (".pdf",)}
MAX_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 600
DOWNLOAD_SECONDS = 300
MAX_FILES = 20


@dataclass(frozen=True)
class EvidenceFile:
    key: str
    filename: str
    size: int
    uploaded_at: datetime
    content_type: str | None = None
    ticket_id: str | None = None  # a file the customer sent with this ticket's messages (else uploaded as evidence)
    attachment_id: str | None = None


class EvidenceStore(Protocol):
    def presign_upload(self, key: str, content_type: str) -> dict: ...

    def files(self, prefix: str) -> list[EvidenceFile]: ...

    def download_url(self, key: str) -> str: ...


def prefix_of(dispute_id: str) -> str:
    return f"disputes/{dispute_id}/"


class S3EvidenceStore:
    def __init__(self, bucket: Callable[[], str]) -> None:
        self._bucket = bucket  # read on first use: only the API function has the bucket
        self._client = None

    @property
    def bucket(self) -> str:
        return self._bucket()

    def _s3(self):
        """An S3 client signing with SigV4 (presigned links carry X-Amz-Expires; SigV2 is deprecated)."""
        if self._client is None:
            import boto3  # deferred: boto3 (~0.2 s, LOCAL-AWS.md) only for presigning evidence links
            from botocore.config import Config  # deferred, as above

            self._client = boto3.session.Session().client("s3", config=Config(signature_version="s3v4"))
        return self._client

    def presign_upload(self, key: str, content_type: str) -> dict:
        return self._s3().generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, MAX_BYTES]],
            ExpiresIn=UPLOAD_SECONDS,
        )

    def files(self, prefix: str) -> list[EvidenceFile]:
        listed = self._s3().list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=MAX_FILES * 2)
        return [
            EvidenceFile(o["Key"], o["Key"].rsplit("/", 1)[-1].split("-", 1)[-1], int(o["Size"]), o["LastModified"])
            for o in listed.get("Contents", [])
        ]

    def download_url(self, key: str) -> str:
        return self._s3().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=DOWNLOAD_SECONDS
        )


class TicketFiles(Protocol):
    """The customer's files on a dispute's ticket (TicketEvidence in AWS)."""

    def files(self, ticket_id: str) -> list[EvidenceFile]: ...

    def download_url(self, file: EvidenceFile) -> str: ...


class TicketEvidence:
    """The files a customer sent with their ticket's messages, as dispute evidence: MailChannelTable's record of the
    ticket's files (customer's and sent only) and 5-minute download links to the MailBucket."""

    def __init__(self, records: Callable[[], Any], blobs: Callable[[], Any]) -> None:
        self._records = records  # built on first use: only the API function has the table and bucket
        self._blobs = blobs

    def files(self, ticket_id: str) -> list[EvidenceFile]:
        return [
            EvidenceFile(a.key, a.filename, a.size, a.received_at, a.content_type, a.ticket_id, a.attachment_id)
            for a in self._records().attachments(ticket_id)
            if a.author == "customer" and a.sent
        ]

    def download_url(self, file: EvidenceFile) -> str:
        return self._blobs().download_url(
            file.key, file.filename, file.content_type or "application/octet-stream", DOWNLOAD_SECONDS
        )
