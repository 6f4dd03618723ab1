"""The ML platform's CrossGuard policy pack: one `PolicyPack` with every rule of the library.

The Pulumi CLI (and `mlbp check`) runs this file with the pack directory as working directory.
Rules live in `mlp_policies/<theme>/`, one per module; the registry collects them, so adding a
rule needs no change here. The repository root goes on the path for `blueprint` (the catalog)
and `components` (tag introspection): the pack and the program share one definition of each.
"""

import gc
import sys
from pathlib import Path

# A pack process lives for one preview and keeps nearly everything it builds (rules, SDK
# classes, each stack's resources): at the default gen-0 threshold (700) the collector rescans
# them over and over. Collect far less often; cycles are still freed.
gc.set_threshold(100_000, 50, 100)

PACK_DIR = Path(__file__).resolve().parent
for path in (PACK_DIR, PACK_DIR.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from mlp_policies.adapters import suppression_policy, to_policy  # noqa: E402
from mlp_policies.registry import all_rules  # noqa: E402
from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

RULES = all_rules()

PolicyPack(
    name="ml-platform",
    enforcement_level=EnforcementLevel.ADVISORY,  # each policy sets its own level
    policies=[*(to_policy(rule) for rule in RULES), suppression_policy(rule.name for rule in RULES)],
    description="Cost, security, data-protection and compliance rules for ML platforms on AWS, GCP and Azure.",
    display_name="ML Platform Blueprints",
)
