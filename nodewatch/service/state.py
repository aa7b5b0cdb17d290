"""The service as the web page sees it: nodewatch.web.source.StatusSource over the loop's
state (the last good report, the latest probes) and the history's events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nodewatch.service.store import StoreError
from nodewatch.web.source import Event, Status

if TYPE_CHECKING:
    from nodewatch.service.loop import Service

log = logging.getLogger(__name__)


class ServiceState:
    """StatusSource of a running Service: status() reads memory only; events() one SELECT."""

    def __init__(self, service: Service, booted_at: datetime | None = None) -> None:
        self._service = service
        self._booted_at = booted_at

    def status(self) -> Status:
        service = self._service
        report = service.report
        snapshot = service.snapshot
        age = None
        if report is not None and service.replay is None:
            age = (datetime.now(UTC) - report.snapshot.collected_at).total_seconds()
        return Status(
            report=report,
            stale=service.stale(),
            age_seconds=age,
            probes=snapshot.probes if snapshot else (),
            last_attempt_at=service.last_attempt_at or (report.snapshot.collected_at if report else None),
            booted_at=self._booted_at,
            started_at=service.started_at,
            replayed=service.replayed,
        )

    def events(self, limit: int = 50) -> Sequence[Event]:
        store = self._service.store
        if store is None:
            return ()
        try:
            rows = store.events(limit=limit)
        except StoreError as err:
            log.warning("events for the page: %s", err)
            return ()
        return [
            Event(
                at=row.at,
                change=row.change,
                severity=row.severity,
                code=row.code,
                summary=row.summary,
                pool=row.pool,
                device=row.device,
            )
            for row in rows
        ]
