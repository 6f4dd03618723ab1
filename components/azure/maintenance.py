"""When AKS may upgrade: the blueprint's `cluster.maintenance` as AKS planned maintenance.

Without a maintenance configuration AKS applies the patch auto-upgrade and the weekly node
image whenever it likes, and a node image upgrade drains and reimages every node, GPU nodes in
the middle of a training run included. The cluster gets two configurations with the same
weekly window and blackouts (https://learn.microsoft.com/azure/aks/planned-maintenance):
`aksManagedAutoUpgradeSchedule` (Kubernetes patch upgrades of the auto-upgrade channel) and
`aksManagedNodeOSUpgradeSchedule` (node images of the node OS channel). Those two names are the
only ones AKS accepts besides the legacy `default`.

What AKS refuses, checked before anything is created (`check_maintenance`): a window shorter
than 4 or longer than 24 hours ("Length of maintenance window range from 4 to 24 hours", the
MaintenanceWindow schema of the 2025 Microsoft.ContainerService API), and notAllowedDates that
are not calendar dates with the end on or after the start. No `startDate` is sent: AKS then
takes the creation date, and a later update that sent a start date in the past would be
refused (https://github.com/MicrosoftDocs/azure-docs/issues/114302)."""

from __future__ import annotations

from datetime import date

from pulumi_azure_native import containerservice

from blueprint.model import Maintenance

CONFIG_NAMES = ("aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule")
MIN_DURATION_HOURS = 4
MAX_DURATION_HOURS = 24
UTC = "+00:00"


def check_maintenance(m: Maintenance) -> None:
    """Raise ValueError, naming the blueprint path, for a window AKS would refuse."""
    if not MIN_DURATION_HOURS <= m.duration_hours <= MAX_DURATION_HOURS:
        raise ValueError(
            f"cluster.maintenance.durationHours must be {MIN_DURATION_HOURS} to {MAX_DURATION_HOURS} on AKS "
            f"(got {m.duration_hours})"
        )
    for i, b in enumerate(m.blackouts):
        try:
            start, end = date.fromisoformat(b.start), date.fromisoformat(b.end)
        except ValueError:
            raise ValueError(
                f"cluster.maintenance.blackouts[{i}]: start and end must be dates YYYY-MM-DD (got {b.start}, {b.end})"
            ) from None
        if end < start:
            raise ValueError(f"cluster.maintenance.blackouts[{i}].end ({b.end}) must be on or after start ({b.start})")


def maintenance_window(m: Maintenance) -> containerservice.MaintenanceWindowArgs:
    return containerservice.MaintenanceWindowArgs(
        schedule=containerservice.ScheduleArgs(
            weekly=containerservice.WeeklyScheduleArgs(day_of_week=containerservice.WeekDay(m.day), interval_weeks=1)
        ),
        start_time=m.start_time_utc,
        duration_hours=m.duration_hours,
        utc_offset=UTC,
        not_allowed_dates=[containerservice.DateSpanArgs(start=b.start, end=b.end) for b in m.blackouts] or None,
    )
