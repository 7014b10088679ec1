"""Routing: agents and their states, queues, the rules that fill them, and the router."""

from __future__ import annotations

from workbench.routing.agents import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_STALE,
    Agent,
    AgentState,
    agent,
    agents,
    heartbeat,
    register_agent,
    set_agent_state,
)
from workbench.routing.priorities import (
    NextOffer,
    PriorityRule,
    add_priority_rule,
    delete_priority_rule,
    next_offers,
    priority_rules,
    update_priority_rule,
)
from workbench.routing.queues import Queue, add_queue, delete_queue, queues, rename_queue
from workbench.routing.router import Router, RouterPass, route_pending
from workbench.routing.rules import Rule, add_rule, delete_rule, queue_for, rules, update_rule

__all__ = [
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_STALE",
    "Agent",
    "AgentState",
    "NextOffer",
    "PriorityRule",
    "Queue",
    "Router",
    "RouterPass",
    "Rule",
    "add_priority_rule",
    "add_queue",
    "add_rule",
    "agent",
    "agents",
    "delete_priority_rule",
    "delete_queue",
    "delete_rule",
    "heartbeat",
    "next_offers",
    "priority_rules",
    "queue_for",
    "queues",
    "register_agent",
    "rename_queue",
    "route_pending",
    "rules",
    "set_agent_state",
    "update_priority_rule",
    "update_rule",
]
