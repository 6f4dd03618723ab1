"""A workaround for one azure-native SDK defect, in one place.

A resource built from its typed `...Args` object passes `args.__dict__` to `_internal_init`,
where a `resource_name` property (the name of an AKS cluster, an agent pool's cluster, a
federated credential's identity) collides with the logical resource name; the keyword form
calls it `resource_name_`. Build the typed Args as everywhere else, then pass
`**resource_kwargs(args)` instead of the object."""

from __future__ import annotations

from typing import Any


def resource_kwargs(args: object) -> dict[str, Any]:
    return {("resource_name_" if key == "resource_name" else key): value for key, value in vars(args).items()}
