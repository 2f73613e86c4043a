"""Clinical core area: treatment protocols, session scheduling and outcome-driven maintenance.

Protocol templates are data (:mod:`.definitions`); :func:`plan_sessions` turns a template, a
start date and the clinic's weekdays into dated sessions that keep every spacing rule;
:func:`next_maintenance_interval` widens or narrows maintenance from outcomes. Rules and
sources are listed in ``docs/clinical/protocols.md``.
"""

from __future__ import annotations

from ketapath.core.protocols.definitions import (
    DEFAULT_SETTINGS,
    PROTOCOL_KEYS,
    PhaseDefinition,
    ProtocolDefinition,
    ProtocolSettings,
    get_protocol,
)
from ketapath.core.protocols.maintenance import (
    DEFAULT_MAINTENANCE_SETTINGS,
    ESKETAMINE_INTERVALS_DAYS,
    MaintenanceDecision,
    MaintenanceSettings,
    next_maintenance_interval,
)
from ketapath.core.protocols.rules import RULE_SETS, RULESET_VERSION
from ketapath.core.protocols.scheduling import (
    ESKETAMINE_MIN_GAP_DAYS,
    WEEKDAY_NAMES,
    PlannedSession,
    SessionPlan,
    format_weekdays,
    parse_weekdays,
    plan_sessions,
)

__all__ = [
    "DEFAULT_MAINTENANCE_SETTINGS",
    "DEFAULT_SETTINGS",
    "ESKETAMINE_INTERVALS_DAYS",
    "ESKETAMINE_MIN_GAP_DAYS",
    "PROTOCOL_KEYS",
    "RULESET_VERSION",
    "RULE_SETS",
    "WEEKDAY_NAMES",
    "MaintenanceDecision",
    "MaintenanceSettings",
    "PhaseDefinition",
    "PlannedSession",
    "ProtocolDefinition",
    "ProtocolSettings",
    "SessionPlan",
    "format_weekdays",
    "get_protocol",
    "next_maintenance_interval",
    "parse_weekdays",
    "plan_sessions",
]
