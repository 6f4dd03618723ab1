"""`estimate(graph, blueprint)`: the monthly cost of what a stack will deploy.

Input is the synthesized `ResourceGraph` (what the engine will create) plus the stack's
`Blueprint` (for what resources do not carry: expected average node counts and expected
bucket sizes, joined by component name, see `view.py`). Pure Python: no Pulumi runtime."""

from __future__ import annotations

from blueprint.catalog import load_catalog
from blueprint.cost import aws, azure, gcp
from blueprint.cost.collector import Collector
from blueprint.cost.model import Estimate
from blueprint.cost.prices import PriceBook, load_price_book
from blueprint.cost.view import StackView
from blueprint.engine.model import ResourceGraph
from blueprint.model import Blueprint

_PRICERS = {"aws": aws.price, "gcp": gcp.price, "azure": azure.price}


def estimate(graph: ResourceGraph, blueprint: Blueprint, prices: PriceBook | None = None) -> Estimate:
    """Price every resource of `graph` the estimator knows; the rest cost nothing by
    themselves (IAM, policies, subnets ...). Missing prices and assumptions are notes."""
    book = prices or load_price_book(blueprint.cloud)
    collector = Collector(
        stack=graph.stack, cloud=blueprint.cloud, region=blueprint.region, book=book, blueprint=blueprint
    )
    if blueprint.region not in _regions(book):
        collector.note(
            f"{blueprint.region} is not a region of the {blueprint.cloud} price data; prices missing there are notes"
        )
    _PRICERS[blueprint.cloud](collector, StackView(graph))
    items = tuple(sorted(collector.items, key=lambda i: (-i.expected, i.urn)))
    return Estimate(
        stack=graph.stack,
        cloud=blueprint.cloud,
        region=blueprint.region,
        budget_usd=blueprint.budget.monthly_limit_usd,
        items=items,
        notes=tuple(collector.notes),
        hours_per_month=collector.hours,
    )


def _regions(book: PriceBook) -> set[str]:
    return set(load_catalog().regions[book.cloud])
