"""The price data covers the catalog: every instance / machine / VM type in every catalog
region has a price, or is an explicit, listed exception (notOffered / notPriced); every price
names a source that exists and says where it was read."""

from __future__ import annotations

import pytest

from blueprint.catalog import CLOUDS, Cloud, load_catalog
from blueprint.cost.prices import Missing, Quote, load_price_book


def machine_types(cloud: Cloud) -> set[str]:
    cat = load_catalog()
    gpu = {o.name for offers in cat.accelerators.values() for o in offers.get(cloud, ())}
    return gpu | set(cat.cpu_types[cloud])


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_catalog_type_priced_in_every_region_or_listed(cloud: Cloud) -> None:
    book = load_price_book(cloud)
    table = book.tables[book.instance_table].entries
    unlisted: list[str] = []
    for name in sorted(machine_types(cloud)):
        entry = table.get(name, {})
        listed = set(entry.get("notOffered", ())) | set(entry.get("notPriced", ()))
        for region in load_catalog().regions[cloud]:
            answer = book.instance(name, region)
            if isinstance(answer, Missing) and region not in listed:
                unlisted.append(f"{name} in {region}: {answer.reason}")
    assert unlisted == []


def test_gcp_attachable_gpus_priced_or_listed() -> None:
    book = load_price_book("gcp")
    cat = load_catalog()
    attachable = {
        o.accelerator_type
        for offers in cat.accelerators.values()
        for o in offers.get("gcp", ())
        if o.accelerator_type and not book.gpus_included(o.name)
    }
    assert attachable == {"nvidia-tesla-t4", "nvidia-tesla-v100"}
    for accel in sorted(attachable):
        entry = book.tables["gpus"].entries[accel]
        for region in cat.regions["gcp"]:
            answer = book.gpu(accel, region)
            assert isinstance(answer, Quote) or region in entry.get("notPriced", ()), (accel, region)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_price_names_a_known_source_with_url_and_date(cloud: Cloud) -> None:
    book = load_price_book(cloud)
    assert book.read == "2026-11-28"
    for source in book.sources.values():
        assert source.url.startswith("https://") and source.what and source.published
    used: set[str] = set()
    for table in book.tables.values():
        for entry in table.entries.values():
            if entry.get("prices"):
                used.add(entry["source"])
                used.update(entry.get("sources", {}).values())
            if entry.get("notOffered"):
                used.add(entry.get("availability", entry.get("source")))
    for key in ("controlPlane", "kmsKey", "cloudNat"):
        node = book.raw.get(key) or {}
        for value in [node, *node.values()] if isinstance(node, dict) else []:
            if isinstance(value, dict) and "source" in value:
                used.add(value["source"])
    for mult in book.multipliers.values():
        used.add(mult["source"])
    assert used <= set(book.sources), used - set(book.sources)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_multipliers_cover_only_catalog_regions(cloud: Cloud) -> None:
    book = load_price_book(cloud)
    regions = set(load_catalog().regions[cloud])
    for name, mult in book.multipliers.items():
        assert set(mult["values"]) <= regions, name
        assert mult["values"].get(book.base_region, 1.0) == 1.0


def test_an_unknown_region_is_a_note_never_zero() -> None:
    answer = load_price_book("aws").instance("m6i.large", "mars-north-1")
    assert isinstance(answer, Missing)
    assert answer.note() == "no price for m6i.large in mars-north-1 (not in the price data for this region)"
