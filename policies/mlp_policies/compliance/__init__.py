"""Compliance rules: allowed regions per regime, data-classification and regime
requirements. One rule per module, as `RULE`."""
