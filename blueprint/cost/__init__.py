"""Cost model: price the synthesized resources of a stack against its budget.

    from blueprint.cost import estimate
    est = estimate(graph, blueprint)          # a ResourceGraph from synth + the stack's Blueprint
    est.expected_usd, est.high_usd, est.budget_usd, est.items, est.notes

For a CrossGuard stack policy, `policy.estimate_for_policy(args.resources)` builds the inputs
from what the policy sees (see `blueprint.cost.policy`)."""

from blueprint.cost.estimator import estimate
from blueprint.cost.model import Counts, Estimate, LineItem
from blueprint.cost.prices import PriceBook, load_price_book

__all__ = ["Counts", "Estimate", "LineItem", "PriceBook", "estimate", "load_price_book"]
